package com.ouvitel.gateway.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.math.BigInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies whose expected output is what Node 20 printed for them, so that these tests need no
 * Node. Each expected value came from
 * {@code node -e 'process.stdout.write(JSON.stringify(JSON.parse(
 * require("fs").readFileSync(0,"utf8"))))'} fed the body as UTF-8.
 */
class StrictJsonNodeRoundTripTest {

    /** An integer token: digits not inside a string, with no fraction or exponent. */
    private static final Pattern INTEGER_TOKEN =
            Pattern.compile("(?<=^|[\\[,:-])[1-9][0-9]*(?=$|[\\],}])");

    private static final BigInteger MAX_SAFE_INTEGER = BigInteger.valueOf((1L << 53) - 1);

    static Stream<Arguments> bodiesAndNodeOutput() {
        return Stream.of(
            Arguments.of("a float with a zero fraction loses it",
                "1.0",
                "1"),
            Arguments.of("1e21 switches to exponent notation",
                "1e21",
                "1e+21"),
            Arguments.of("1E-7 switches to exponent notation",
                "1E-7",
                "1e-7"),
            Arguments.of("one tenth keeps its shortest digits",
                "0.1",
                "0.1"),
            Arguments.of("the smallest subnormal is 5e-324",
                "5e-324",
                "5e-324"),
            Arguments.of("4.9e-324 reads as the smallest subnormal",
                "4.9e-324",
                "5e-324"),
            Arguments.of("the largest double",
                "1.7976931348623157e308",
                "1.7976931348623157e+308"),
            Arguments.of("minus zero is written as zero",
                "-0",
                "0"),
            Arguments.of("minus zero point zero is written as zero",
                "-0.0",
                "0"),
            Arguments.of("the largest safe integer",
                "9007199254740991",
                "9007199254740991"),
            Arguments.of("the smallest safe integer",
                "-9007199254740991",
                "-9007199254740991"),
            Arguments.of("numbers around the notation thresholds",
                "[0.000001,0.0000001,1e-6,1.5e-7,999999999999999999999.0,1e20,1e+20,1000000000000" +
                "00000000.0]",
                "[0.000001,1e-7,0.000001,1.5e-7,1e+21,100000000000000000000,100000000000000000000" +
                ",100000000000000000000]"),
            Arguments.of("floats beyond 2^53 print rounded digits then zeros",
                "[12345678901234567890.0,9007199254740993.0,9007199254740992.0,123456789012345678" +
                "901.5]",
                "[12345678901234567000,9007199254740992,9007199254740992,123456789012345680000]"),
            Arguments.of("exponent forms and signs",
                "[2.5e-300,-2.5E+300,0.1e1,10e-1,123e-20,1e308,0e0,-0e5,0.0,1e-400,-1e-400,1E+2]",
                "[2.5e-300,-2.5e+300,1,1,1.23e-18,1e+308,0,0,0,0,0,100]"),
            Arguments.of("results of arithmetic keep seventeen digits",
                "[0.30000000000000004,3.14159,1.5,-1.5e-7,4.35,0.10000000000000000555111512312578" +
                "27]",
                "[0.30000000000000004,3.14159,1.5,-1.5e-7,4.35,0.1]"),
            Arguments.of("doubles near powers of ten",
                "[1e23,9.999999999999999e22,8.41e21,1.0e-5,5e-7,2e-323,1e-323,2.2250738585072014e" +
                "-308,2.225073858507201e-308,4.940656458412465e-324]",
                "[1e+23,1e+23,8.41e+21,0.00001,5e-7,2e-323,1e-323,2.2250738585072014e-308,2.22507" +
                "3858507201e-308,5e-324]"),
            Arguments.of("a decimal exactly between two doubles",
                "[1.00000000000000011102230246251565404236316680908203125,9007199254740993.000000" +
                "0000000000001]",
                "[1,9007199254740994]"),
            Arguments.of("integers are written without a fraction",
                "[0,1,-1,42,1700000000000,-1700000000000,4294967296,1e3,1.0e3]",
                "[0,1,-1,42,1700000000000,-1700000000000,4294967296,1000,1000]"),
            Arguments.of("control characters take the short or the \\u00xx escape",
                "\"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f\\u007f\\u0080\"",
                "\"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f\u007f\u0080\""),
            Arguments.of("emoji are written as they are",
                "\"\ud83d\ude00 \ud83c\uddeb\ud83c\uddf7 \ud83d\udc4d\ud83c\udffd\"",
                "\"\ud83d\ude00 \ud83c\uddeb\ud83c\uddf7 \ud83d\udc4d\ud83c\udffd\""),
            Arguments.of("escaped emoji are written as they are",
                "\"\\ud83d\\ude00 \\uD83D\\uDE00\"",
                "\"\ud83d\ude00 \ud83d\ude00\""),
            Arguments.of("accented text is written as it is",
                "\"Caf\u00e9 d\u00e9j\u00e0 vu \u2014 \u00dcn\u00efc\u00f6d\u00e9 \u4e2d\u6587\"",
                "\"Caf\u00e9 d\u00e9j\u00e0 vu \u2014 \u00dcn\u00efc\u00f6d\u00e9 \u4e2d\u6587\""),
            Arguments.of("escaped accents are unescaped",
                "\"\\u00e9\\u00C9 \\u4e2d\"",
                "\"\u00e9\u00c9 \u4e2d\""),
            Arguments.of("line and paragraph separators are not escaped",
                "[\"\u2028\u2029\", \"\\u2028\\u2029\"]",
                "[\"\u2028\u2029\",\"\u2028\u2029\"]"),
            Arguments.of("an escaped backslash before u0041 stays a backslash",
                "\"\\\\u0041\"",
                "\"\\\\u0041\""),
            Arguments.of("a u0041 escape becomes the letter A",
                "\"\\u0041\"",
                "\"A\""),
            Arguments.of("solidus escapes are dropped",
                "[\"\\/\", \"a/b\", \"<\\/script>\"]",
                "[\"/\",\"a/b\",\"</script>\"]"),
            Arguments.of("quotes and backslashes are escaped",
                "\"quote \\\" backslash \\\\ both \\\\\\\"\"",
                "\"quote \\\" backslash \\\\ both \\\\\\\"\""),
            Arguments.of("noncharacters and the byte order mark are written as they are",
                "[\"\\uFFFF\", \"\\uFEFF\", \"\ufffd\", \"\ufeff\"]",
                "[\"\uffff\",\"\ufeff\",\"\ufffd\",\"\ufeff\"]"),
            Arguments.of("integer-like keys come first in numeric order",
                "{\"b\":1,\"2\":2,\"a\":3,\"1\":4,\"01\":5,\"-1\":6,\"4294967295\":7}",
                "{\"1\":4,\"2\":2,\"b\":1,\"a\":3,\"01\":5,\"-1\":6,\"4294967295\":7}"),
            Arguments.of("the largest array index sorts with the indices",
                "{\"4294967294\":1,\"0\":2,\"10\":3,\"9\":4,\"x\":5,\"1.0\":6,\"+1\":7,\" 1\":8}",
                "{\"0\":2,\"9\":4,\"10\":3,\"4294967294\":1,\"x\":5,\"1.0\":6,\"+1\":7,\" 1\":8}"),
            Arguments.of("nested objects order their own keys",
                "{\"z\":{\"b\":0,\"3\":1},\"1\":[{\"y\":2,\"0\":3}]}",
                "{\"1\":[{\"0\":3,\"y\":2}],\"z\":{\"3\":1,\"b\":0}}"),
            Arguments.of("escaped keys are unescaped",
                "{\"\\u0061b\":1,\"c\\\"d\":2,\"\":3,\"\\/\":4}",
                "{\"ab\":1,\"c\\\"d\":2,\"\":3,\"/\":4}"),
            Arguments.of("whitespace around and between tokens is dropped",
                " \t\n\r{ \"a\" : [ 1 , 2 , { } , [ ] ] ,\n\t\"b\" : null } \n",
                "{\"a\":[1,2,{},[]],\"b\":null}"),
            Arguments.of("literals and empty containers",
                "[true,false,null,{},[],[{}],{\"a\":[]}]",
                "[true,false,null,{},[],[{}],{\"a\":[]}]"),
            Arguments.of("a bare string",
                "\"top\"",
                "\"top\""),
            Arguments.of("a bare null",
                "null",
                "null"),
            Arguments.of("a print event",
                "{\"event\":\"print.completed\",\"payload\":{\"jobId\":\"j-1\",\"pages\":12,\"dur" +
                "ation\":3.50,\"ratio\":1e-7,\"toner\":[0.25,0.5,0.75],\"printer\":{\"id\":\"p1\"" +
                ",\"location\":\"Salle 2 \\u2014 \u00e9tage\"}},\"ts\":1700000000000}",
                "{\"event\":\"print.completed\",\"payload\":{\"jobId\":\"j-1\",\"pages\":12,\"dur" +
                "ation\":3.5,\"ratio\":1e-7,\"toner\":[0.25,0.5,0.75],\"printer\":{\"id\":\"p1\"," +
                "\"location\":\"Salle 2 \u2014 \u00e9tage\"}},\"ts\":1700000000000}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodiesAndNodeOutput")
    void writes_exactly_what_node_writes_after_parsing(String name, String body, String node) {
        Object tree = StrictJson.parse(body.getBytes(UTF_8));

        assertEquals(node, StrictJson.write(tree));
        assertArrayEquals(node.getBytes(UTF_8), StrictJson.toUtf8(tree));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodiesAndNodeOutput")
    void node_output_is_a_fixed_point(String name, String body, String node) {
        // Node writes large doubles as integers beyond 2^53 - 1, which the parser refuses.
        assumeFalse(holdsUnsafeInteger(node), "output holds an integer beyond 2^53 - 1");

        assertEquals(node, StrictJson.write(StrictJson.parse(node.getBytes(UTF_8))));
    }

    private static boolean holdsUnsafeInteger(String json) {
        return INTEGER_TOKEN.matcher(json).results()
                .map(token -> new BigInteger(token.group()))
                .anyMatch(integer -> integer.compareTo(MAX_SAFE_INTEGER) > 0);
    }

    // Node printed each of the bodies below unchanged; they are built here rather than
    // pasted in because of their size.

    @Test
    void arrays_nested_to_the_default_limit_come_back_unchanged() {
        String body = "[".repeat(64) + "1" + "]".repeat(64);

        assertEquals(body, StrictJson.write(StrictJson.parse(body.getBytes(UTF_8))));
    }

    @Test
    void objects_nested_to_the_default_limit_come_back_unchanged() {
        String body = "{\"a\":".repeat(64) + "null" + "}".repeat(64);

        assertEquals(body, StrictJson.write(StrictJson.parse(body.getBytes(UTF_8))));
    }

    @Test
    void a_long_string_with_escapes_and_non_ascii_comes_back_unchanged() {
        String chunk = "x".repeat(1000) + "\u00e9\ud83d\ude00\\n\\\"\\\\\\u0001";
        String body = "\"" + chunk.repeat(100) + "\"";

        Object tree = StrictJson.parse(body.getBytes(UTF_8));

        assertEquals(100_700, ((String) tree).length());
        assertEquals(body, StrictJson.write(tree));
    }
}
