package com.ouvitel.gateway.json;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.json.JsonInputException.Reason;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StrictJsonRefusalTest {

    /** Raw bytes, one per char: for bodies that are deliberately not valid UTF-8. */
    private static byte[] bytes(String latin1) {
        return latin1.getBytes(ISO_8859_1);
    }

    private static Arguments refused(String body, Reason reason, String path, String problem) {
        return Arguments.of(body, reason, path, problem);
    }

    private static JsonInputException refusalOf(byte[] body) {
        return assertThrows(JsonInputException.class, () -> StrictJson.parse(body));
    }

    private static void assertRefusal(JsonInputException refusal, Reason reason, String path,
            String problem) {
        assertEquals(reason, refusal.reason(), refusal.getMessage());
        assertEquals(path, refusal.path(), refusal.getMessage());
        assertTrue(refusal.getMessage().contains(problem),
                () -> "'" + refusal.getMessage() + "' does not name '" + problem + "'");
        assertTrue(refusal.getMessage().contains(" at " + path + " "),
                () -> "'" + refusal.getMessage() + "' does not name " + path);
    }

    /** Bodies written in ISO-8859-1 so that each char below U+0100 is one raw byte. */
    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
            refused("\"\u00c0\u00af\"", Reason.INVALID_UTF8, "$", "overlong encoding"),
            refused("\"\u00c1\u00bf\"", Reason.INVALID_UTF8, "$", "overlong encoding"),
            refused("\"\u00e0\u0080\u00af\"", Reason.INVALID_UTF8, "$", "overlong encoding"),
            refused("\"\u00e0\u009f\u00bf\"", Reason.INVALID_UTF8, "$", "overlong encoding"),
            refused("\"\u00f0\u0080\u0080\u00af\"", Reason.INVALID_UTF8, "$",
                    "overlong encoding"),
            refused("\"\u00f0\u008f\u00bf\u00bf\"", Reason.INVALID_UTF8, "$",
                    "overlong encoding"),
            refused("\"\u00ed\u00a0\u0080\"", Reason.INVALID_UTF8, "$", "encoded surrogate"),
            refused("\"\u00ed\u00bf\u00bf\"", Reason.INVALID_UTF8, "$", "encoded surrogate"),
            refused("\"\u00ed\u00a0\u00bd\u00ed\u00b8\u0080\"", Reason.INVALID_UTF8, "$",
                    "encoded surrogate"),
            refused("\"\u00f4\u0090\u0080\u0080\"", Reason.INVALID_UTF8, "$",
                    "beyond U+10FFFF"),
            refused("\"\u00f5\u0080\u0080\u0080\"", Reason.INVALID_UTF8, "$",
                    "never appears in UTF-8"),
            refused("\"\u00ff\"", Reason.INVALID_UTF8, "$", "never appears in UTF-8"),
            refused("\"\u0080\"", Reason.INVALID_UTF8, "$", "continuation byte"),
            refused("\"a\u00bf\"", Reason.INVALID_UTF8, "$", "continuation byte"),
            refused("\"\u00c3\"", Reason.INVALID_UTF8, "$", "truncated sequence"),
            refused("\"\u00e2\u0082\"", Reason.INVALID_UTF8, "$", "truncated sequence"),
            refused("\"\u00f0\u009f\u0098\"", Reason.INVALID_UTF8, "$", "truncated sequence"),
            refused("\"\u00e2\u0082", Reason.INVALID_UTF8, "$", "truncated sequence"),
            refused("\"\u00c3A\"", Reason.INVALID_UTF8, "$", "truncated sequence"),
            refused("{\"payload\":{\"name\":\"caf\u00e9\"}}", Reason.INVALID_UTF8,
                    "$.payload.name", "invalid UTF-8"),
            refused("{\"payload\":{\"caf\u00e9\":1}}", Reason.INVALID_UTF8, "$.payload",
                    "invalid UTF-8 (truncated sequence) in a key"),
            refused("[\"ok\",\"\\n\u00c0\u0080\"]", Reason.INVALID_UTF8, "$[1]",
                    "invalid UTF-8"));
    }

    @ParameterizedTest
    @MethodSource("invalidUtf8")
    void invalid_utf8_is_refused(String body, Reason reason, String path, String problem) {
        assertRefusal(refusalOf(bytes(body)), reason, path, problem);
    }

    static Stream<Arguments> loneSurrogates() {
        return Stream.of(
            refused("\"\\uD800\"", Reason.LONE_SURROGATE, "$", "high surrogate escape without"),
            refused("\"\\ud83d x\"", Reason.LONE_SURROGATE, "$",
                    "high surrogate escape without a low surrogate"),
            refused("\"\\uD83D\\u0041\"", Reason.LONE_SURROGATE, "$",
                    "high surrogate escape without"),
            refused("\"\\uD83D\\uD83D\\uDE00\"", Reason.LONE_SURROGATE, "$",
                    "high surrogate escape without"),
            refused("\"\\uD83D\\n\"", Reason.LONE_SURROGATE, "$",
                    "high surrogate escape without"),
            refused("\"\\uDC00\"", Reason.LONE_SURROGATE, "$",
                    "low surrogate escape without a high surrogate"),
            refused("\"\\uDE00\\uD83D\"", Reason.LONE_SURROGATE, "$",
                    "low surrogate escape without"),
            refused("\"\\uD83D\u00f0\u009f\u0098\u0080\"", Reason.LONE_SURROGATE, "$",
                    "high surrogate escape without"),
            refused("{\"payload\":{\"items\":[1,\"\\ud83d\"]}}", Reason.LONE_SURROGATE,
                    "$.payload.items[1]", "surrogate"),
            refused("{\"\\udc00\":1}", Reason.LONE_SURROGATE, "$",
                    "low surrogate escape without a high surrogate before it in a key"));
    }

    @ParameterizedTest
    @MethodSource("loneSurrogates")
    void lone_surrogate_escapes_are_refused(String body, Reason reason, String path,
            String problem) {
        assertRefusal(refusalOf(bytes(body)), reason, path, problem);
    }

    static Stream<Arguments> duplicateKeys() {
        return Stream.of(
            refused("{\"a\":1,\"a\":2}", Reason.DUPLICATE_KEY, "$.a", "duplicate key"),
            refused("{\"a\":1,\"b\":2,\"a\":1}", Reason.DUPLICATE_KEY, "$.a", "duplicate key"),
            refused("{\"a\":1,\"\\u0061\":2}", Reason.DUPLICATE_KEY, "$.a", "duplicate key"),
            refused("{\"\\/\":1,\"/\":2}", Reason.DUPLICATE_KEY, "$[\"/\"]", "duplicate key"),
            refused("{\"payload\":{\"jobId\":\"a\",\"jobId\":\"a\"}}", Reason.DUPLICATE_KEY,
                    "$.payload.jobId", "duplicate key"),
            refused("{\"job id\":1,\"job id\":2}", Reason.DUPLICATE_KEY, "$[\"job id\"]",
                    "duplicate key"),
            refused("{\"\":1,\"\":2}", Reason.DUPLICATE_KEY, "$[\"\"]", "duplicate key"),
            refused("{\"1\":1,\"1\":2}", Reason.DUPLICATE_KEY, "$[\"1\"]", "duplicate key"),
            refused("[{},{\"x\":{},\"x\":[]}]", Reason.DUPLICATE_KEY, "$[1].x",
                    "duplicate key"));
    }

    @ParameterizedTest
    @MethodSource("duplicateKeys")
    void duplicate_keys_are_refused(String body, Reason reason, String path, String problem) {
        assertRefusal(refusalOf(body.getBytes(UTF_8)), reason, path, problem);
    }

    @Test
    void a_duplicate_key_is_reported_at_its_second_occurrence() {
        JsonInputException refusal = refusalOf("{\"a\":1, \"a\":2}".getBytes(UTF_8));

        assertEquals(8, refusal.offset());
        assertTrue(refusal.getMessage().endsWith("(byte 8)"), refusal.getMessage());
    }

    static Stream<Arguments> unsafeNumbers() {
        String beyond = "integer beyond 2^53 - 1";
        String infinity = "number too large for a double";
        return Stream.of(
            refused("9007199254740992", Reason.UNSAFE_INTEGER, "$", beyond),
            refused("-9007199254740992", Reason.UNSAFE_INTEGER, "$", beyond),
            refused("9999999999999999", Reason.UNSAFE_INTEGER, "$", beyond),
            refused("12345678901234567890123", Reason.UNSAFE_INTEGER, "$", beyond),
            refused("{\"payload\":{\"jobId\":12345678901234567890}}", Reason.UNSAFE_INTEGER,
                    "$.payload.jobId", beyond),
            refused("{\"payload\":{\"items\":[1,2,3,-9007199254740993]}}",
                    Reason.UNSAFE_INTEGER, "$.payload.items[3]", beyond),
            refused("1e400", Reason.NUMBER_OVERFLOW, "$", infinity),
            refused("-1e400", Reason.NUMBER_OVERFLOW, "$", infinity),
            refused("1.8e308", Reason.NUMBER_OVERFLOW, "$", infinity),
            refused("1797693134862315807937289714053034150799341327710e260",
                    Reason.NUMBER_OVERFLOW, "$", infinity),
            refused("0.5e99999999999999999999", Reason.NUMBER_OVERFLOW, "$", infinity),
            refused("[0,1E309]", Reason.NUMBER_OVERFLOW, "$[1]", infinity),
            refused("{\"t\":{\"c\":-1.0e+999}}", Reason.NUMBER_OVERFLOW, "$.t.c", infinity));
    }

    @ParameterizedTest
    @MethodSource("unsafeNumbers")
    void numbers_javascript_would_change_are_refused(String body, Reason reason, String path,
            String problem) {
        assertRefusal(refusalOf(body.getBytes(UTF_8)), reason, path, problem);
    }

    @Test
    void numbers_at_the_edges_of_the_safe_ranges_are_accepted() {
        for (String body : new String[] {"9007199254740991", "-9007199254740991",
                "9007199254740992.0", "9007199254740993e0", "1e300", "1.7976931348623157e308",
                "-1.7976931348623158e308", "1e-400", "0.000", "-0"}) {
            Object number = StrictJson.parse(body.getBytes(UTF_8));

            assertTrue(number instanceof JsonNumber, body);
        }
    }

    @Test
    void nesting_one_level_past_the_default_limit_is_refused_at_the_outer_container() {
        byte[] body = ("[".repeat(65) + "]".repeat(65)).getBytes(UTF_8);

        JsonInputException refusal = refusalOf(body);

        assertRefusal(refusal, Reason.TOO_DEEP, "$" + "[0]".repeat(64), "deeper than 64");
    }

    @Test
    void nesting_past_a_given_limit_is_refused_with_the_path_to_the_deepest_allowed_value() {
        byte[] body = "{\"a\":{\"b\":{\"c\":1}}}".getBytes(UTF_8);

        JsonInputException refusal = assertThrows(JsonInputException.class,
                () -> StrictJson.parse(body, 2));

        assertRefusal(refusal, Reason.TOO_DEEP, "$.a.b", "nested deeper than 2 levels");
    }

    @Test
    void a_depth_limit_of_zero_allows_only_a_scalar() {
        assertEquals("x", StrictJson.parse("\"x\"".getBytes(UTF_8), 0));

        JsonInputException refusal = assertThrows(JsonInputException.class,
                () -> StrictJson.parse("{}".getBytes(UTF_8), 0));

        assertRefusal(refusal, Reason.TOO_DEEP, "$", "deeper than 0");
    }

    @Test
    void a_depth_limit_outside_zero_to_a_thousand_is_a_programming_error() {
        byte[] body = "1".getBytes(UTF_8);

        assertThrows(IllegalArgumentException.class, () -> StrictJson.parse(body, -1));
        assertThrows(IllegalArgumentException.class, () -> StrictJson.parse(body, 1001));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
            refused("", Reason.MALFORMED, "$", "body ends where a value was expected"),
            refused(" \n\t ", Reason.MALFORMED, "$", "body ends where a value was expected"),
            refused("{} x", Reason.MALFORMED, "$", "unexpected data after the JSON value"),
            refused("1 2", Reason.MALFORMED, "$", "unexpected data after the JSON value"),
            refused("[1]]", Reason.MALFORMED, "$", "unexpected data after the JSON value"),
            refused("\"a\"\"b\"", Reason.MALFORMED, "$", "unexpected data after"),
            refused("\u00ef\u00bb\u00bf{}", Reason.MALFORMED, "$", "unexpected character"),
            refused("012", Reason.MALFORMED, "$", "leading zero"),
            refused("-012", Reason.MALFORMED, "$", "leading zero"),
            refused("00", Reason.MALFORMED, "$", "leading zero"),
            refused("{\"a\":01}", Reason.MALFORMED, "$.a", "leading zero"),
            refused("-", Reason.MALFORMED, "$", "'-' not followed by a digit"),
            refused("-a", Reason.MALFORMED, "$", "'-' not followed by a digit"),
            refused("1.", Reason.MALFORMED, "$", "'.' not followed by a digit"),
            refused("1.e5", Reason.MALFORMED, "$", "'.' not followed by a digit"),
            refused(".5", Reason.MALFORMED, "$", "unexpected character"),
            refused("+1", Reason.MALFORMED, "$", "unexpected character"),
            refused("1e", Reason.MALFORMED, "$", "exponent without digits"),
            refused("1e+", Reason.MALFORMED, "$", "exponent without digits"),
            refused("0x10", Reason.MALFORMED, "$", "unexpected data after"),
            refused("NaN", Reason.MALFORMED, "$", "unexpected character"),
            refused("Infinity", Reason.MALFORMED, "$", "unexpected character"),
            refused("-Infinity", Reason.MALFORMED, "$", "'-' not followed by a digit"),
            refused("[1,NaN]", Reason.MALFORMED, "$[1]", "unexpected character"),
            refused("\"a\tb\"", Reason.MALFORMED, "$", "raw control character"),
            refused("[\"a\nb\"]", Reason.MALFORMED, "$[0]", "raw control character"),
            refused("\"\u0000\"", Reason.MALFORMED, "$", "raw control character"),
            refused("\"\u001f\"", Reason.MALFORMED, "$", "raw control character"),
            refused("{\"a\u0001\":1}", Reason.MALFORMED, "$",
                    "raw control character in a string in a key"),
            refused("\"\\x41\"", Reason.MALFORMED, "$", "invalid escape sequence"),
            refused("\"\\'\"", Reason.MALFORMED, "$", "invalid escape sequence"),
            refused("\"\\U0041\"", Reason.MALFORMED, "$", "invalid escape sequence"),
            refused("\"\\u12\"", Reason.MALFORMED, "$", "\\u escape needs four hex digits"),
            refused("\"\\u12G4\"", Reason.MALFORMED, "$", "\\u escape needs four hex digits"),
            refused("\"\\uD83D\\uDE0\"", Reason.MALFORMED, "$", "four hex digits"),
            refused("\"\\", Reason.MALFORMED, "$", "unterminated string"),
            refused("\"abc", Reason.MALFORMED, "$", "unterminated string"),
            refused("\"caf\u00c3\u00a9", Reason.MALFORMED, "$", "unterminated string"),
            refused("{\"ab", Reason.MALFORMED, "$", "unterminated string in a key"),
            refused("[1,]", Reason.MALFORMED, "$[1]", "trailing comma"),
            refused("[1, \n]", Reason.MALFORMED, "$[1]", "trailing comma"),
            refused("{\"a\":1,}", Reason.MALFORMED, "$", "trailing comma"),
            refused("[,1]", Reason.MALFORMED, "$[0]", "unexpected character"),
            refused("{,}", Reason.MALFORMED, "$", "expected a quoted key"),
            refused("[1 2]", Reason.MALFORMED, "$", "expected ',' or ']'"),
            refused("[1", Reason.MALFORMED, "$", "expected ',' or ']'"),
            refused("[", Reason.MALFORMED, "$[0]", "body ends where a value was expected"),
            refused("{\"a\" 1}", Reason.MALFORMED, "$.a", "expected ':' after the key"),
            refused("{\"a\":}", Reason.MALFORMED, "$.a", "missing value"),
            refused("{\"a\":1 \"b\":2}", Reason.MALFORMED, "$", "expected ',' or '}'"),
            refused("{\"a\":1", Reason.MALFORMED, "$", "expected ',' or '}'"),
            refused("{a:1}", Reason.MALFORMED, "$", "expected a quoted key"),
            refused("{'a':1}", Reason.MALFORMED, "$", "expected a quoted key"),
            refused("['a']", Reason.MALFORMED, "$[0]", "unexpected character"),
            refused("]", Reason.MALFORMED, "$", "missing value"),
            refused("tru", Reason.MALFORMED, "$", "unknown literal, expected true"),
            refused("True", Reason.MALFORMED, "$", "unexpected character"),
            refused("nul", Reason.MALFORMED, "$", "unknown literal, expected null"),
            refused("nulL", Reason.MALFORMED, "$", "unknown literal, expected null"),
            refused("falsey", Reason.MALFORMED, "$", "unexpected data after"),
            refused("[truex]", Reason.MALFORMED, "$", "expected ',' or ']'"),
            refused("undefined", Reason.MALFORMED, "$", "unexpected character"),
            refused("// note\n{}", Reason.MALFORMED, "$", "unexpected character"),
            refused("{}/* note */", Reason.MALFORMED, "$", "unexpected data after"),
            refused("\u00a0{}", Reason.MALFORMED, "$", "unexpected character"),
            refused("{\"payload\":{\"items\":[1,2,{\"id\":-}]}}", Reason.MALFORMED,
                    "$.payload.items[2].id", "'-' not followed by a digit"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformed_json_is_refused(String body, Reason reason, String path, String problem) {
        assertRefusal(refusalOf(bytes(body)), reason, path, problem);
    }

    @Test
    void keys_that_are_not_identifiers_are_written_in_brackets_in_the_path() {
        String body = "{\"a b\":{\"\\\"q\\\"\":{\"1x\":{\"$ok_1\":{\"\\u00e9\":{\"\\n\":-}}}}}}";

        JsonInputException refusal = refusalOf(body.getBytes(UTF_8));

        assertEquals("$[\"a b\"][\"\\\"q\\\"\"][\"1x\"].$ok_1[\"\u00e9\"][\"\\n\"]",
                refusal.path());
    }

    @Test
    void the_message_does_not_repeat_the_refused_value() {
        JsonInputException refusal =
                refusalOf("{\"secret\":123456789012345678901234}".getBytes(UTF_8));

        assertEquals("integer beyond 2^53 - 1, which JavaScript would round; send it as a "
                + "string at $.secret (byte 10)", refusal.getMessage());
    }
}
