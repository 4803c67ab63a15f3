package com.ouvitel.gateway.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a JSON tree character for character as Node's {@code JSON.stringify} writes the
 * value {@code JSON.parse} made of it, so that a receiver which signs
 * {@code JSON.stringify(req.body)} signs exactly the bytes we sent.
 */
final class JsonWriter {

    /** JavaScript's largest array index, 2^32 - 2; keys above it keep insertion order. */
    private static final long MAX_ARRAY_INDEX = 4_294_967_294L;

    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    private JsonWriter() {
    }

    static void write(Object value, StringBuilder out) {
        if (value instanceof String text) {
            writeString(text, out);
        } else if (value instanceof JsonNumber number) {
            JavaScriptNumberText.append(number.value(), out);
        } else if (value instanceof Map<?, ?> object) {
            writeObject(object, out);
        } else if (value instanceof List<?> array) {
            writeArray(array, out);
        } else if (value instanceof Boolean truth) {
            out.append(truth ? "true" : "false");
        } else if (value == StrictJson.NULL) {
            out.append("null");
        } else {
            String type = value == null ? "Java null" : value.getClass().getName();
            throw new IllegalArgumentException(
                    "not a JSON tree value: " + type + "; use StrictJson.NULL for null");
        }
    }

    private static void writeArray(List<?> array, StringBuilder out) {
        out.append('[');
        int size = array.size();
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.append(',');
            }
            write(array.get(i), out);
        }
        out.append(']');
    }

    private static void writeObject(Map<?, ?> object, StringBuilder out) {
        out.append('{');
        boolean hasIndexKeys = false;
        for (Object key : object.keySet()) {
            if (arrayIndex(keyText(key)) >= 0) {
                hasIndexKeys = true;
                break;
            }
        }

        if (hasIndexKeys) {
            writeMembersInJavaScriptOrder(object, out);
        } else {
            boolean first = true;
            for (Map.Entry<?, ?> member : object.entrySet()) {
                first = writeMember(keyText(member.getKey()), member.getValue(), first, out);
            }
        }
        out.append('}');
    }

    /**
     * JavaScript lists an object's array-index keys first, in ascending numeric order, and
     * only then its other keys in insertion order; {@code {"b":1,"2":2}} comes back from
     * Node as {@code {"2":2,"b":1}}.
     */
    private static void writeMembersInJavaScriptOrder(Map<?, ?> object, StringBuilder out) {
        List<Map.Entry<?, ?>> indexed = new ArrayList<>();
        List<Map.Entry<?, ?>> named = new ArrayList<>();
        for (Map.Entry<?, ?> member : object.entrySet()) {
            if (arrayIndex(keyText(member.getKey())) >= 0) {
                indexed.add(member);
            } else {
                named.add(member);
            }
        }
        indexed.sort((a, b) -> Long.compare(
                arrayIndex((String) a.getKey()), arrayIndex((String) b.getKey())));

        boolean first = true;
        for (Map.Entry<?, ?> member : indexed) {
            first = writeMember((String) member.getKey(), member.getValue(), first, out);
        }
        for (Map.Entry<?, ?> member : named) {
            first = writeMember((String) member.getKey(), member.getValue(), first, out);
        }
    }

    private static boolean writeMember(String key, Object value, boolean first,
            StringBuilder out) {
        if (!first) {
            out.append(',');
        }
        writeString(key, out);
        out.append(':');
        write(value, out);
        return false;
    }

    private static String keyText(Object key) {
        if (key instanceof String text) {
            return text;
        }
        String type = key == null ? "Java null" : key.getClass().getName();
        throw new IllegalArgumentException("JSON object keys must be strings, got " + type);
    }

    /**
     * The numeric value of {@code key} if JavaScript treats it as an array index: the
     * canonical decimal of an integer from 0 to 2^32 - 2, so "7" but not "07", "-1", "7.0"
     * or "4294967295". Returns -1 for every other key.
     */
    static long arrayIndex(String key) {
        int length = key.length();
        if (length == 0 || length > 10) {
            return -1;
        }
        char first = key.charAt(0);
        if (first < '0' || first > '9' || first == '0' && length > 1) {
            return -1;
        }

        long index = 0;
        for (int i = 0; i < length; i++) {
            char digit = key.charAt(i);
            if (digit < '0' || digit > '9') {
                return -1;
            }
            index = index * 10 + (digit - '0');
        }
        return index <= MAX_ARRAY_INDEX ? index : -1;
    }

    /**
     * Escapes only what JSON requires: the quote, the backslash and U+0000 to U+001F.
     * Everything else, U+2028, U+2029 and emoji included, is written as it is, as Node does.
     */
    static void writeString(String text, StringBuilder out) {
        out.append('"');
        int length = text.length();
        int plainFrom = 0;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(text, plainFrom, i);
            plainFrom = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append("\\u00")
                        .append(HEX_DIGITS[c >> 4])
                        .append(HEX_DIGITS[c & 0xf]);
            }
        }
        out.append(text, plainFrom, length);
        out.append('"');
    }
}
