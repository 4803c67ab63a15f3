package com.ouvitel.gateway.json;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import com.ouvitel.gateway.json.JsonInputException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;

/**
 * One pass over the bytes of one body, building the tree and refusing, with the path of the
 * offending member, anything Node could not give back unchanged. Not thread-safe; one
 * reader per body.
 */
final class JsonReader {

    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    /** Beyond 16 digits an integer without leading zeros is at least 10^16, past 2^53. */
    private static final int MAX_SAFE_INTEGER_DIGITS = 16;

    /** Digits a long accumulates without overflow. */
    private static final int MAX_EXACT_DIGITS = 18;

    /** Powers of ten that a double holds exactly, so one multiplication rounds correctly. */
    private static final double[] EXACT_POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    };

    private final byte[] body;
    private final int maxDepth;

    // Sized for typical events and grown on demand, so that a generous depth limit costs
    // nothing for bodies that do not use it.

    /** The key of the member being read at each depth, or null inside an array. */
    private String[] keys = new String[8];

    /** The index of the element being read at each depth, inside arrays. */
    private int[] indices = new int[8];

    /** Decoded characters of the current string, for strings with escapes or non-ASCII. */
    private char[] text;
    private int textLength;
    private int pos;

    JsonReader(byte[] body, int maxDepth) {
        this.body = body;
        this.maxDepth = maxDepth;
    }

    Object readBody() {
        Object value = readValue(0);
        skipWhitespace();
        if (pos < body.length) {
            throw refuse(Reason.MALFORMED, "unexpected data after the JSON value", 0);
        }
        return value;
    }

    /** Reads the value whose path is the first {@code level} entries of keys and indices. */
    private Object readValue(int level) {
        skipWhitespace();
        if (pos >= body.length) {
            throw refuse(Reason.MALFORMED, "body ends where a value was expected", level);
        }
        switch (body[pos]) {
            case '{':
                return readObject(level);
            case '[':
                return readArray(level);
            case '"':
                return readString(level, false);
            case 't':
                readLiteral("true", level);
                return Boolean.TRUE;
            case 'f':
                readLiteral("false", level);
                return Boolean.FALSE;
            case 'n':
                readLiteral("null", level);
                return StrictJson.NULL;
            case '-': case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                return readNumber(level);
            case ']': case '}':
                throw refuse(Reason.MALFORMED,
                        afterComma() ? "trailing comma" : "missing value", level);
            default:
                throw refuse(Reason.MALFORMED, "unexpected character where a value was expected",
                        level);
        }
    }

    private LinkedHashMap<String, Object> readObject(int level) {
        int depth = enter(level);
        LinkedHashMap<String, Object> members = new LinkedHashMap<>();
        skipWhitespace();
        if (pos < body.length && body[pos] == '}') {
            pos++;
            return members;
        }

        while (true) {
            skipWhitespace();
            if (pos >= body.length || body[pos] != '"') {
                boolean closing = pos < body.length && body[pos] == '}';
                throw refuse(Reason.MALFORMED,
                        closing ? "trailing comma" : "expected a quoted key", level);
            }
            int keyOffset = pos;
            String key = readString(level, true);
            keys[depth] = key;

            skipWhitespace();
            if (pos >= body.length || body[pos] != ':') {
                throw refuse(Reason.MALFORMED, "expected ':' after the key", depth);
            }
            pos++;
            Object value = readValue(depth);
            if (members.put(key, value) != null) {
                throw refuse(Reason.DUPLICATE_KEY, "duplicate key", depth, keyOffset);
            }

            skipWhitespace();
            if (pos < body.length && body[pos] == ',') {
                pos++;
            } else if (pos < body.length && body[pos] == '}') {
                pos++;
                return members;
            } else {
                throw refuse(Reason.MALFORMED, "expected ',' or '}' after a member", level);
            }
        }
    }

    private ArrayList<Object> readArray(int level) {
        int depth = enter(level);
        ArrayList<Object> elements = new ArrayList<>();
        keys[depth] = null;
        skipWhitespace();
        if (pos < body.length && body[pos] == ']') {
            pos++;
            return elements;
        }

        while (true) {
            indices[depth] = elements.size();
            elements.add(readValue(depth));
            skipWhitespace();
            if (pos < body.length && body[pos] == ',') {
                pos++;
            } else if (pos < body.length && body[pos] == ']') {
                pos++;
                return elements;
            } else {
                throw refuse(Reason.MALFORMED, "expected ',' or ']' after an element", level);
            }
        }
    }

    /** Steps over an opening bracket; returns the depth of the container it opens. */
    private int enter(int level) {
        if (level >= maxDepth) {
            throw refuse(Reason.TOO_DEEP,
                    "objects and arrays nested deeper than " + maxDepth + " levels", level);
        }
        pos++;
        int depth = level + 1;
        if (depth == keys.length) {
            keys = Arrays.copyOf(keys, depth * 2);
            indices = Arrays.copyOf(indices, depth * 2);
        }
        return depth;
    }

    private void readLiteral(String literal, int level) {
        int length = literal.length();
        if (pos + length > body.length) {
            throw refuse(Reason.MALFORMED, "unknown literal, expected " + literal, level);
        }
        for (int i = 0; i < length; i++) {
            if (body[pos + i] != literal.charAt(i)) {
                throw refuse(Reason.MALFORMED, "unknown literal, expected " + literal, level);
            }
        }
        pos += length;
    }

    /**
     * Reads a string starting at its opening quote. A key is reported at the path of its
     * object, since the key itself is what could not be read.
     */
    private String readString(int level, boolean key) {
        int start = pos + 1;
        int end = start;

        // Keys and most values are plain ASCII: build those straight from the bytes. The
        // signed test c < 0x20 stops at control characters and at every non-ASCII byte.
        while (end < body.length) {
            byte c = body[end];
            if (c == '"') {
                pos = end + 1;
                return new String(body, start, end - start, ISO_8859_1);
            }
            if (c == '\\' || c < 0x20) {
                break;
            }
            end++;
        }

        textLength = 0;
        ensureText(end - start);
        for (int i = start; i < end; i++) {
            text[textLength++] = (char) body[i];
        }
        pos = end;
        return readDecodedString(level, key);
    }

    private String readDecodedString(int level, boolean key) {
        String where = key ? " in a key" : "";
        while (true) {
            if (pos >= body.length) {
                throw refuse(Reason.MALFORMED, "unterminated string" + where, level);
            }
            ensureText(2);
            int c = body[pos] & 0xff;
            if (c == '"') {
                pos++;
                return new String(text, 0, textLength);
            } else if (c == '\\') {
                readEscape(level, where);
            } else if (c < 0x20) {
                throw refuse(Reason.MALFORMED,
                        "raw control character in a string" + where + "; it must be escaped",
                        level);
            } else if (c < 0x80) {
                text[textLength++] = (char) c;
                pos++;
            } else {
                readMultiByteCharacter(c, level, where);
            }
        }
    }

    private void readEscape(int level, String where) {
        if (pos + 1 >= body.length) {
            throw refuse(Reason.MALFORMED, "unterminated string" + where, level);
        }
        char unescaped;
        switch (body[pos + 1]) {
            case '"' -> unescaped = '"';
            case '\\' -> unescaped = '\\';
            case '/' -> unescaped = '/';
            case 'b' -> unescaped = '\b';
            case 'f' -> unescaped = '\f';
            case 'n' -> unescaped = '\n';
            case 'r' -> unescaped = '\r';
            case 't' -> unescaped = '\t';
            case 'u' -> {
                readUnicodeEscape(level, where);
                return;
            }
            default -> throw refuse(Reason.MALFORMED, "invalid escape sequence" + where, level);
        }
        text[textLength++] = unescaped;
        pos += 2;
    }

    /**
     * Half a surrogate pair has no UTF-8 form: Node re-escapes it, other receivers replace or
     * reject it, so the signed bytes could not match. A pair must be two escapes.
     */
    private void readUnicodeEscape(int level, String where) {
        int escapeOffset = pos;
        char unit = (char) hexUnit(pos + 2, level, where);
        pos += 6;
        if (Character.isLowSurrogate(unit)) {
            throw refuse(Reason.LONE_SURROGATE,
                    "low surrogate escape without a high surrogate before it" + where,
                    level, escapeOffset);
        }
        if (Character.isHighSurrogate(unit)) {
            boolean escapeFollows = pos + 1 < body.length
                    && body[pos] == '\\' && body[pos + 1] == 'u';
            char next = escapeFollows ? (char) hexUnit(pos + 2, level, where) : 0;
            if (!Character.isLowSurrogate(next)) {
                throw refuse(Reason.LONE_SURROGATE,
                        "high surrogate escape without a low surrogate after it" + where,
                        level, escapeOffset);
            }
            text[textLength++] = unit;
            text[textLength++] = next;
            pos += 6;
            return;
        }
        text[textLength++] = unit;
    }

    private int hexUnit(int from, int level, String where) {
        if (from + 4 > body.length) {
            throw refuse(Reason.MALFORMED, "\\u escape needs four hex digits" + where, level);
        }
        int unit = 0;
        for (int i = from; i < from + 4; i++) {
            int digit = Character.digit(body[i], 16);
            if (digit < 0) {
                throw refuse(Reason.MALFORMED, "\\u escape needs four hex digits" + where,
                        level);
            }
            unit = unit << 4 | digit;
        }
        return unit;
    }

    /**
     * Decodes one UTF-8 sequence, accepting only the shortest form of a scalar value:
     * no overlong forms, no encoded surrogates, nothing past U+10FFFF.
     */
    private void readMultiByteCharacter(int lead, int level, String where) {
        int length;
        int codePoint;
        int secondMin = 0x80;
        int secondMax = 0xbf;
        if (lead < 0xc0) {
            throw invalidUtf8("continuation byte without a lead byte", level, where);
        } else if (lead < 0xc2) {
            throw invalidUtf8("overlong encoding", level, where);
        } else if (lead < 0xe0) {
            length = 2;
            codePoint = lead & 0x1f;
        } else if (lead < 0xf0) {
            length = 3;
            codePoint = lead & 0x0f;
            if (lead == 0xe0) {
                secondMin = 0xa0;
            } else if (lead == 0xed) {
                secondMax = 0x9f;
            }
        } else if (lead < 0xf5) {
            length = 4;
            codePoint = lead & 0x07;
            if (lead == 0xf0) {
                secondMin = 0x90;
            } else if (lead == 0xf4) {
                secondMax = 0x8f;
            }
        } else {
            throw invalidUtf8("byte that never appears in UTF-8", level, where);
        }

        for (int i = 1; i < length; i++) {
            int next = pos + i < body.length ? body[pos + i] & 0xff : -1;
            if ((next & 0xc0) != 0x80) {
                throw invalidUtf8("truncated sequence", level, where);
            }
            if (i == 1 && (next < secondMin || next > secondMax)) {
                String problem = lead == 0xed ? "encoded surrogate"
                        : lead == 0xf4 ? "code point beyond U+10FFFF"
                        : "overlong encoding";
                throw invalidUtf8(problem, level, where);
            }
            codePoint = codePoint << 6 | next & 0x3f;
        }

        if (length == 4) {
            text[textLength++] = Character.highSurrogate(codePoint);
            text[textLength++] = Character.lowSurrogate(codePoint);
        } else {
            text[textLength++] = (char) codePoint;
        }
        pos += length;
    }

    private JsonInputException invalidUtf8(String problem, int level, String where) {
        return refuse(Reason.INVALID_UTF8, "invalid UTF-8 (" + problem + ")" + where, level);
    }

    private void ensureText(int more) {
        if (text == null) {
            text = new char[Math.max(32, more)];
        } else if (textLength + more > text.length) {
            text = Arrays.copyOf(text, Math.max(text.length * 2, textLength + more));
        }
    }

    /**
     * Reads a number. Integers, the common case, are checked against JavaScript's safe
     * range, since beyond it Node silently rounds them; other numbers are converted with
     * one exact multiplication when they can be, and by the JDK otherwise.
     */
    private JsonNumber readNumber(int level) {
        int start = pos;
        boolean negative = body[pos] == '-';
        if (negative) {
            pos++;
        }

        long digits = 0;
        int significantDigits = 0;
        int decimalExponent = 0;
        if (pos < body.length && body[pos] == '0') {
            pos++;
            if (pos < body.length && isDigit(body[pos])) {
                throw refuse(Reason.MALFORMED, "number with a leading zero", level, start);
            }
        } else if (pos < body.length && isDigit(body[pos])) {
            while (pos < body.length && isDigit(body[pos])) {
                if (significantDigits < MAX_EXACT_DIGITS) {
                    digits = digits * 10 + (body[pos] - '0');
                } else {
                    decimalExponent++;
                }
                significantDigits++;
                pos++;
            }
        } else {
            throw refuse(Reason.MALFORMED, "'-' not followed by a digit", level, start);
        }

        boolean integer = true;
        if (pos < body.length && body[pos] == '.') {
            integer = false;
            pos++;
            if (pos >= body.length || !isDigit(body[pos])) {
                throw refuse(Reason.MALFORMED, "'.' not followed by a digit", level, start);
            }
            while (pos < body.length && isDigit(body[pos])) {
                if (significantDigits < MAX_EXACT_DIGITS) {
                    digits = digits * 10 + (body[pos] - '0');
                    decimalExponent--;
                    if (digits != 0) {
                        significantDigits++;
                    }
                } else {
                    significantDigits++;
                }
                pos++;
            }
        }

        if (pos < body.length && (body[pos] == 'e' || body[pos] == 'E')) {
            integer = false;
            decimalExponent += readExponent(level, start);
        }

        if (integer) {
            return safeInteger(negative, digits, significantDigits, level, start);
        }
        double magnitude = significantDigits <= MAX_EXACT_DIGITS
                ? exactQuotient(digits, decimalExponent)
                : Double.NaN;
        if (Double.isNaN(magnitude)) {
            magnitude = Math.abs(Double.parseDouble(
                    new String(body, start, pos - start, ISO_8859_1)));
        }
        if (Double.isInfinite(magnitude)) {
            throw refuse(Reason.NUMBER_OVERFLOW,
                    "number too large for a double; JavaScript would read Infinity",
                    level, start);
        }
        return new JsonNumber(negative ? -magnitude : magnitude);
    }

    private int readExponent(int level, int start) {
        pos++;
        boolean negative = false;
        if (pos < body.length && (body[pos] == '+' || body[pos] == '-')) {
            negative = body[pos] == '-';
            pos++;
        }
        if (pos >= body.length || !isDigit(body[pos])) {
            throw refuse(Reason.MALFORMED, "exponent without digits", level, start);
        }

        // Far beyond any double's range the value is already 0 or Infinity; stop counting
        // there so that an exponent of a thousand digits cannot overflow an int.
        int exponent = 0;
        while (pos < body.length && isDigit(body[pos])) {
            if (exponent < 100_000) {
                exponent = exponent * 10 + (body[pos] - '0');
            }
            pos++;
        }
        return negative ? -exponent : exponent;
    }

    private JsonNumber safeInteger(boolean negative, long digits, int significantDigits,
            int level, int start) {
        if (significantDigits > MAX_SAFE_INTEGER_DIGITS || digits > MAX_SAFE_INTEGER) {
            throw refuse(Reason.UNSAFE_INTEGER,
                    "integer beyond 2^53 - 1, which JavaScript would round; send it as a string",
                    level, start);
        }
        return new JsonNumber(negative ? -(double) digits : (double) digits);
    }

    /**
     * {@code digits * 10^exponent} when both factors are exact doubles, so that IEEE 754
     * rounds the one operation correctly; NaN when the JDK must do the conversion.
     */
    private static double exactQuotient(long digits, int exponent) {
        if (digits > 1L << 53 || exponent < -22 || exponent > 22) {
            return Double.NaN;
        }
        return exponent >= 0
                ? digits * EXACT_POWERS_OF_TEN[exponent]
                : digits / EXACT_POWERS_OF_TEN[-exponent];
    }

    private boolean afterComma() {
        int before = pos - 1;
        while (before >= 0 && isWhitespace(body[before])) {
            before--;
        }
        return before >= 0 && body[before] == ',';
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    private void skipWhitespace() {
        while (pos < body.length && isWhitespace(body[pos])) {
            pos++;
        }
    }

    private JsonInputException refuse(Reason reason, String problem, int level) {
        return refuse(reason, problem, level, pos);
    }

    private JsonInputException refuse(Reason reason, String problem, int level, int offset) {
        return new JsonInputException(reason, problem, JsonPath.of(keys, indices, level), offset);
    }
}
