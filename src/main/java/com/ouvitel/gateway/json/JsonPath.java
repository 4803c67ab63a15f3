package com.ouvitel.gateway.json;

/**
 * Renders where a refused value sits, as {@code $.payload.items[3]}, for messages that an
 * API client can act on.
 */
final class JsonPath {

    private JsonPath() {
    }

    /**
     * The path made of the first {@code length} members (counted from 1): a key where
     * {@code keys} has one, else the array index from {@code indices}.
     */
    static String of(String[] keys, int[] indices, int length) {
        StringBuilder path = new StringBuilder(16 + 8 * length).append('$');
        for (int i = 1; i <= length; i++) {
            String key = keys[i];
            if (key == null) {
                path.append('[').append(indices[i]).append(']');
            } else if (isIdentifier(key)) {
                path.append('.').append(key);
            } else {
                path.append('[');
                JsonWriter.writeString(key, path);
                path.append(']');
            }
        }
        return path.toString();
    }

    /** Whether a key can follow a dot, as in JavaScript: {@code [A-Za-z_$][A-Za-z0-9_$]*}. */
    static boolean isIdentifier(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$';
            if (!letter && (i == 0 || c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
