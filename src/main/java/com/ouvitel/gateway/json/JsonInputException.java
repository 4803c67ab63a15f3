package com.ouvitel.gateway.json;

/**
 * A request body refused because it is not JSON that survives
 * {@code JSON.stringify(JSON.parse(body))} in Node unchanged.
 *
 * <p>The message names the problem and where it is, for example
 * {@code duplicate key at $.payload.jobId (byte 57)}; it never repeats the offending value.
 */
public final class JsonInputException extends RuntimeException {

    /** Why a body was refused; a small fixed set, fit for a metric tag. */
    public enum Reason {
        /** Not JSON at all: bad syntax, bad escape, raw control character, trailing data. */
        MALFORMED,
        /** Bytes that are not well-formed UTF-8. */
        INVALID_UTF8,
        /** A backslash-u escape for half of a surrogate pair, without the other half. */
        LONE_SURROGATE,
        /** The same key twice in one object, compared after unescaping. */
        DUPLICATE_KEY,
        /** An integer beyond JavaScript's safe range, which a receiver would read rounded. */
        UNSAFE_INTEGER,
        /** A number too large for a double, which JavaScript reads as Infinity. */
        NUMBER_OVERFLOW,
        /** Objects and arrays nested deeper than the configured limit. */
        TOO_DEEP
    }

    private final Reason reason;
    private final String path;
    private final int offset;

    JsonInputException(Reason reason, String problem, String path, int offset) {
        // A refusal is a verdict on client input, not a fault in the gateway, and it can be
        // provoked at will: skip the stack trace, which would cost more than the parse.
        super(problem + " at " + path + " (byte " + offset + ")", null, false, false);
        this.reason = reason;
        this.path = path;
        this.offset = offset;
    }

    public Reason reason() {
        return reason;
    }

    /** Where the problem is, as a JSON path such as {@code $.payload.items[3]}. */
    public String path() {
        return path;
    }

    /** Offset in the body, in bytes, at which the problem was detected. */
    public int offset() {
        return offset;
    }
}
