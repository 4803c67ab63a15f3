package com.ouvitel.gateway.json;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * JSON for webhook bodies that must survive Node's {@code JSON.stringify(JSON.parse(body))}
 * byte for byte.
 *
 * <p>Receivers built on the vendor's example recompute the signature over
 * {@code JSON.stringify(req.body)} rather than over the bytes they received. We therefore
 * refuse at ingest any body that JavaScript would read differently from what it says
 * (duplicate keys, integers past 2^53 - 1, lone surrogates, invalid UTF-8, numbers that
 * overflow) and deliver what {@link #write} produces, which is what Node would produce.
 *
 * <p>A parsed tree is built from {@link java.util.LinkedHashMap} objects (keys in body order),
 * {@link java.util.ArrayList} arrays, {@link String}, {@link JsonNumber}, {@link Boolean} and
 * {@link #NULL}; it never contains Java {@code null}.
 */
public final class StrictJson {

    /** JSON {@code null} in a tree. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** Nesting that {@link #parse(byte[])} allows; far more than any OuViTel event needs. */
    public static final int DEFAULT_MAX_DEPTH = 64;

    /** The deepest nesting a caller may allow; the parser recurses once per level. */
    public static final int MAX_DEPTH_LIMIT = 1000;

    private StrictJson() {
    }

    /**
     * Parses one JSON value from UTF-8 bytes, allowing {@value #DEFAULT_MAX_DEPTH} levels of
     * nested objects and arrays.
     *
     * @throws JsonInputException if the body is not JSON that Node would give back unchanged
     */
    public static Object parse(byte[] utf8) {
        return parse(utf8, DEFAULT_MAX_DEPTH);
    }

    /**
     * Parses one JSON value from UTF-8 bytes, allowing at most {@code maxDepth} levels of
     * nested objects and arrays: {@code []} is one level, {@code [[]]} two, a bare scalar none.
     *
     * @throws JsonInputException if the body is not JSON that Node would give back unchanged
     * @throws IllegalArgumentException if maxDepth is negative or above {@value #MAX_DEPTH_LIMIT}
     */
    public static Object parse(byte[] utf8, int maxDepth) {
        Objects.requireNonNull(utf8, "utf8");
        if (maxDepth < 0 || maxDepth > MAX_DEPTH_LIMIT) {
            throw new IllegalArgumentException(
                    "maxDepth must be between 0 and " + MAX_DEPTH_LIMIT + ", got " + maxDepth);
        }
        return new JsonReader(utf8, maxDepth).readBody();
    }

    /**
     * Writes a tree as Node's {@code JSON.stringify} would: no whitespace, array-index keys
     * first in numeric order, numbers in JavaScript notation, only the escapes JSON requires.
     *
     * @throws IllegalArgumentException if the tree holds anything but the types listed on
     *     {@link StrictJson}, or a key that is not a String
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(128);
        write(value, out);
        return out.toString();
    }

    /** Appends the text of {@link #write(Object)} to {@code out}, to reuse one builder. */
    public static void write(Object value, StringBuilder out) {
        JsonWriter.write(value, out);
    }

    /** The UTF-8 bytes of {@link #write(Object)}: the body to deliver and to sign. */
    public static byte[] toUtf8(Object value) {
        return write(value).getBytes(StandardCharsets.UTF_8);
    }
}
