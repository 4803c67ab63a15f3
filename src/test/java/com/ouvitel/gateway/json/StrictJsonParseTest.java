package com.ouvitel.gateway.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrictJsonParseTest {

    private static Object parse(String body) {
        return StrictJson.parse(body.getBytes(UTF_8));
    }

    @Test
    void objects_become_linked_hash_maps_in_body_order() {
        Object tree = parse("{\"z\":1,\"a\":2,\"2\":3,\"m\":4}");

        LinkedHashMap<?, ?> object = assertInstanceOf(LinkedHashMap.class, tree);
        assertEquals(List.of("z", "a", "2", "m"), new ArrayList<>(object.keySet()));
    }

    @Test
    void arrays_become_array_lists() {
        Object tree = parse("[3,\"b\",[]]");

        ArrayList<?> array = assertInstanceOf(ArrayList.class, tree);
        assertEquals(List.of(new JsonNumber(3), "b", List.of()), array);
    }

    @Test
    void literals_become_booleans_and_the_null_marker() {
        List<?> literals = (List<?>) parse("[true,false,null]");

        assertSame(Boolean.TRUE, literals.get(0));
        assertSame(Boolean.FALSE, literals.get(1));
        assertSame(StrictJson.NULL, literals.get(2));
        assertEquals("null", StrictJson.NULL.toString());
    }

    @Test
    void integers_and_fractions_both_become_doubles() {
        List<?> numbers = (List<?>) parse("[0,-0,7,-7,2.5,1e2,1E-2,0.1,-9007199254740991]");

        assertEquals(List.of(new JsonNumber(0), new JsonNumber(-0.0), new JsonNumber(7),
                new JsonNumber(-7), new JsonNumber(2.5), new JsonNumber(100),
                new JsonNumber(0.01), new JsonNumber(0.1), new JsonNumber(-9007199254740991.0)),
                numbers);
    }

    @Test
    void long_and_precise_decimals_round_to_the_nearest_double() {
        List<?> numbers = (List<?>) parse("[3.141592653589793238462643383279,"
                + "0.000000000000000000000000000001234,123456789012345678901234567890.5,"
                + "2.2250738585072011e-308,4.9406564584124654e-324,2.4703282292062328e-324]");

        assertEquals(List.of(new JsonNumber(Math.PI), new JsonNumber(1.234e-30),
                new JsonNumber(1.2345678901234568e29), new JsonNumber(2.225073858507201e-308),
                new JsonNumber(Double.MIN_VALUE), new JsonNumber(Double.MIN_VALUE)), numbers);
    }

    @Test
    void a_number_that_underflows_becomes_zero_as_in_javascript() {
        assertEquals(new JsonNumber(0), parse("1e-400"));
        assertEquals(new JsonNumber(-0.0), parse("-2e-324"));
    }

    @Test
    void every_escape_is_decoded() {
        Object text = parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                + "\\u0041 \\u00e9 \\u00E9 \\u2028\"");

        assertEquals("\" \\ / \b \f \n \r \t A \u00e9 \u00e9 \u2028", text);
    }

    @Test
    void a_surrogate_pair_written_as_two_escapes_is_one_character() {
        assertEquals("\ud83d\ude00", parse("\"\\ud83d\\uDE00\""));
    }

    @Test
    void utf8_sequences_at_every_length_boundary_are_decoded() {
        String text = "\u0000\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff"
                + "\ud800\udc00\udbff\udfff";
        String body = "\"\\u0000" + text.substring(1) + "\"";

        assertEquals(text, parse(body));
    }

    @Test
    void a_long_string_of_non_ascii_text_is_decoded_whole() {
        String text = "\u00e9t\u00e9 \u4e2d \ud83d\ude00 ".repeat(5_000);

        assertEquals(text, parse("\"" + text + "\""));
    }

    @Test
    void ascii_strings_and_decoded_strings_can_alternate() {
        Object tree = parse("[\"plain\",\"caf\u00e9\",\"plain again\",\"tab\\there\",\"\"]");

        assertEquals(List.of("plain", "caf\u00e9", "plain again", "tab\there", ""), tree);
    }

    @Test
    void whitespace_is_allowed_around_every_token() {
        Object tree = parse(" \r\n\t{ \"a\" :\t[ 1 ,\n2 ] , \"b\" : { } }\r\n ");

        assertEquals(Map.of("a", List.of(new JsonNumber(1), new JsonNumber(2)), "b", Map.of()),
                tree);
    }

    @Test
    void a_bare_scalar_is_a_whole_body() {
        assertEquals("x", parse("\"x\""));
        assertEquals(new JsonNumber(12), parse(" 12 "));
        assertSame(StrictJson.NULL, parse("null"));
    }

    @Test
    void nesting_exactly_at_the_limit_is_accepted() {
        Object tree = StrictJson.parse("{\"a\":[{\"b\":1}]}".getBytes(UTF_8), 3);

        assertEquals(Map.of("a", List.of(Map.of("b", new JsonNumber(1)))), tree);
    }

    @Test
    void nesting_up_to_the_largest_allowed_limit_parses() {
        int depth = StrictJson.MAX_DEPTH_LIMIT;
        byte[] body = ("[".repeat(depth) + "]".repeat(depth)).getBytes(UTF_8);

        Object tree = StrictJson.parse(body, depth);

        assertEquals(new String(body, UTF_8), StrictJson.write(tree));
    }

    @Test
    void a_missing_body_is_a_programming_error() {
        assertThrows(NullPointerException.class, () -> StrictJson.parse(null));
    }

    @Test
    void a_json_number_must_be_finite() {
        assertThrows(IllegalArgumentException.class, () -> new JsonNumber(Double.NaN));
        assertThrows(IllegalArgumentException.class,
                () -> new JsonNumber(Double.POSITIVE_INFINITY));
    }

    @Test
    void a_json_number_prints_as_javascript_does() {
        assertEquals("1e+21", new JsonNumber(1e21).toString());
        assertEquals("0.1", new JsonNumber(0.1).toString());
    }
}
