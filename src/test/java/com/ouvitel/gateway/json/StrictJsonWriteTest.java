package com.ouvitel.gateway.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrictJsonWriteTest {

    private static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            object.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return object;
    }

    private static JsonNumber number(double value) {
        return new JsonNumber(value);
    }

    @Test
    void nothing_is_written_between_tokens() {
        Object tree = object("a", List.of(number(1), true, false, StrictJson.NULL),
                "b", object(), "c", List.of());

        assertEquals("{\"a\":[1,true,false,null],\"b\":{},\"c\":[]}", StrictJson.write(tree));
    }

    @Test
    void other_keys_keep_insertion_order() {
        Object tree = object("zeta", number(1), "alpha", number(2), "mid", number(3));

        assertEquals("{\"zeta\":1,\"alpha\":2,\"mid\":3}", StrictJson.write(tree));
    }

    @Test
    void array_index_keys_come_first_in_ascending_numeric_order() {
        Object tree = object("b", number(1), "10", number(2), "a", number(3), "9", number(4),
                "0", number(5), "4294967294", number(6));

        assertEquals("{\"0\":5,\"9\":4,\"10\":2,\"4294967294\":6,\"b\":1,\"a\":3}",
                StrictJson.write(tree));
    }

    @Test
    void keys_that_only_look_numeric_keep_their_insertion_order() {
        Object tree = object("x", number(0), "01", number(1), "-1", number(2),
                "4294967295", number(3), "1.0", number(4), "+1", number(5), " 1", number(6),
                "1e3", number(7), "", number(8), "\u0661", number(9), "7", number(10));

        assertEquals("{\"7\":10,\"x\":0,\"01\":1,\"-1\":2,\"4294967295\":3,\"1.0\":4,"
                + "\"+1\":5,\" 1\":6,\"1e3\":7,\"\":8,\"\u0661\":9}", StrictJson.write(tree));
    }

    @Test
    void the_array_index_test_follows_javascript() {
        assertEquals(0, JsonWriter.arrayIndex("0"));
        assertEquals(4_294_967_294L, JsonWriter.arrayIndex("4294967294"));
        assertEquals(-1, JsonWriter.arrayIndex("4294967295"));
        assertEquals(-1, JsonWriter.arrayIndex("99999999999"));
        assertEquals(-1, JsonWriter.arrayIndex("00"));
        assertEquals(-1, JsonWriter.arrayIndex("-0"));
        assertEquals(-1, JsonWriter.arrayIndex(""));
        assertEquals(-1, JsonWriter.arrayIndex("12a"));
    }

    @Test
    void quote_backslash_and_control_characters_are_the_only_escapes() {
        StringBuilder controls = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            controls.append(c);
        }

        String written = StrictJson.write(controls + "\"\\/\u007f\u2028\u2029\u00e9\ud83d\ude00");

        assertEquals("\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
                + "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
                + "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                + "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
                + "\\\"\\\\/\u007f\u2028\u2029\u00e9\ud83d\ude00\"", written);
    }

    @Test
    void keys_are_escaped_like_strings() {
        Object tree = object("a\"b\\c\nd", number(1));

        assertEquals("{\"a\\\"b\\\\c\\nd\":1}", StrictJson.write(tree));
    }

    @Test
    void numbers_follow_javascript_notation() {
        Object tree = List.of(number(1.0), number(-0.0), number(1e21), number(1e-7),
                number(0.000001), number(-2.5e300), number(123456789012345680000.0),
                number(0.1), number(5e-324));

        assertEquals("[1,0,1e+21,1e-7,0.000001,-2.5e+300,123456789012345680000,0.1,5e-324]",
                StrictJson.write(tree));
    }

    @Test
    void any_map_and_list_can_be_written() {
        Object tree = Map.of("list", List.of("x"));

        assertEquals("{\"list\":[\"x\"]}", StrictJson.write(tree));
    }

    @Test
    void writing_into_a_builder_appends_to_what_it_holds() {
        StringBuilder out = new StringBuilder("event=");

        StrictJson.write(List.of(number(1)), out);

        assertEquals("event=[1]", out.toString());
    }

    @Test
    void the_utf8_form_encodes_non_ascii_text() {
        byte[] written = StrictJson.toUtf8(object("lieu", "\u00e9tage \ud83d\ude00"));

        assertArrayEquals("{\"lieu\":\"\u00e9tage \ud83d\ude00\"}".getBytes(UTF_8), written);
    }

    @Test
    void values_outside_the_tree_types_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> StrictJson.write(null));
        assertThrows(IllegalArgumentException.class, () -> StrictJson.write(42));
        assertThrows(IllegalArgumentException.class, () -> StrictJson.write(List.of(1.5)));

        Map<Object, Object> numericKeys = new LinkedHashMap<>();
        numericKeys.put(1, "one");
        assertThrows(IllegalArgumentException.class, () -> StrictJson.write(numericKeys));
    }

    @Test
    void java_null_inside_a_tree_is_refused_with_a_hint() {
        List<Object> array = new ArrayList<>();
        array.add(null);

        IllegalArgumentException refusal =
                assertThrows(IllegalArgumentException.class, () -> StrictJson.write(array));

        assertEquals("not a JSON tree value: Java null; use StrictJson.NULL for null",
                refusal.getMessage());
    }
}
