package com.ouvitel.gateway.json;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StrictJsonNumberTextTest {

    /** JavaScript's plain notation: no exponent, no trailing zeros after the point. */
    private static final Pattern PLAIN = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?");

    /** JavaScript's exponent notation: one digit before the point, explicit exponent sign. */
    private static final Pattern EXPONENT =
            Pattern.compile("-?[1-9](\\.[0-9]*[1-9])?e[+-](0|[1-9][0-9]*)");

    /** A plain integer of 16 digits or more: the parser refuses those above 2^53 - 1. */
    private static final Pattern UNSAFE_INTEGER_TEXT = Pattern.compile("-?[1-9][0-9]{15,}");

    private static String text(double value) {
        return StrictJson.write(new JsonNumber(value));
    }

    @Test
    void every_double_in_the_node_corpus_is_written_as_node_wrote_it() {
        for (String entry : NodeNumberOutputs.BITS_AND_TEXT) {
            String[] parts = entry.split(" ");
            long bits = Long.parseUnsignedLong(parts[0], 16);
            double value = Double.longBitsToDouble(bits);

            assertEquals(parts[1], text(value), () -> "bits " + parts[0]);
        }
    }

    @Test
    void every_text_in_the_node_corpus_parses_back_to_its_double() {
        for (String entry : NodeNumberOutputs.BITS_AND_TEXT) {
            String[] parts = entry.split(" ");
            if (UNSAFE_INTEGER_TEXT.matcher(parts[1]).matches()) {
                continue;
            }
            JsonNumber parsed = (JsonNumber) StrictJson.parse(parts[1].getBytes(US_ASCII));

            assertEquals(Long.parseUnsignedLong(parts[0], 16),
                    Double.doubleToRawLongBits(parsed.value()), () -> parts[1]);
        }
    }

    @Test
    void a_large_double_written_as_an_integer_is_refused_when_parsed_again() {
        // JavaScript writes 1e20 without exponent, and such an integer token is beyond the
        // safe range even though it is exactly this double: the refusal is by design.
        String written = text(1e20);

        JsonInputException refusal = assertThrows(JsonInputException.class,
                () -> StrictJson.parse(written.getBytes(US_ASCII)));

        assertEquals("100000000000000000000", written);
        assertEquals(JsonInputException.Reason.UNSAFE_INTEGER, refusal.reason());
    }

    @Test
    void digits_are_shortest_where_java_17_double_to_string_is_not() {
        // Java 17 writes these as 9.999999999999999E22, 2.82879384806159008E17,
        // 4.8726570056999995E288, 4.9E-324 and 2.2770711729136488E16; Node as below.
        assertEquals("1e+23", text(1e23));
        assertEquals("282879384806159000", text(2.82879384806159E17));
        assertEquals("4.8726570057e+288", text(4.8726570057E288));
        assertEquals("5e-324", text(Double.MIN_VALUE));
        assertEquals("22770711729136490", text(2.2770711729136488E16));
    }

    @Test
    void the_notation_switches_at_one_millionth_and_at_1e21() {
        assertEquals("0.000001", text(1e-6));
        assertEquals("1e-7", text(1e-7));
        assertEquals("9.99999e-7", text(9.99999e-7));
        assertEquals("0.0000012", text(1.2e-6));
        assertEquals("100000000000000000000", text(1e20));
        assertEquals("999999999999999900000", text(999999999999999.9e6));
        assertEquals("1e+21", text(1e21));
        assertEquals("-1.5e+300", text(-1.5e300));
        assertEquals("-2.5e-7", text(-2.5e-7));
    }

    @Test
    void zeros_of_both_signs_are_written_as_zero() {
        assertEquals("0", text(0.0));
        assertEquals("0", text(-0.0));
    }

    @Test
    void integers_are_written_without_fraction_or_exponent_below_1e21() {
        assertEquals("9007199254740991", text(9007199254740991.0));
        assertEquals("-9007199254740992", text(-9007199254740992.0));
        assertEquals("18446744073709552000", text(Math.pow(2, 64)));
        assertEquals("1.2676506002282294e+30", text(Math.pow(2, 100)));
    }

    @Test
    void random_doubles_read_back_exactly_and_follow_javascript_notation() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 300_000; i++) {
            double value = i % 2 == 0
                    ? Double.longBitsToDouble(random.nextLong())
                    : random.nextLong(1, 100_000_000) / Math.pow(10, random.nextInt(0, 12));
            if (!Double.isFinite(value)) {
                continue;
            }

            String written = text(value);

            assertEquals(Double.doubleToLongBits(value == 0 ? 0.0 : value),
                    Double.doubleToLongBits(Double.parseDouble(written)), written);
            double magnitude = Math.abs(value);
            boolean plain = magnitude == 0 || magnitude >= 1e-6 && magnitude < 1e21;
            Pattern notation = plain ? PLAIN : EXPONENT;
            assertTrue(notation.matcher(written).matches(), () -> value + " as " + written);
        }
    }

    @Test
    void random_doubles_get_the_shortest_then_closest_digits() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            double value = Math.abs(Double.longBitsToDouble(random.nextLong()));
            if (!Double.isFinite(value) || value == 0) {
                continue;
            }

            BigDecimal written = new BigDecimal(text(value));

            assertEquals(0, written.compareTo(shortestClosest(value)), () -> "" + value);
        }
    }

    @Test
    void powers_of_two_and_their_neighbours_get_the_shortest_then_closest_digits() {
        for (int exponent = -1074; exponent <= 1023; exponent++) {
            double power = Math.scalb(1.0, exponent);
            for (double value : new double[] {power, Math.nextDown(power), Math.nextUp(power)}) {
                if (value == 0 || Double.isInfinite(value)) {
                    continue;
                }
                BigDecimal written = new BigDecimal(text(value));

                assertEquals(0, written.compareTo(shortestClosest(value)), () -> "" + value);
            }
        }
    }

    @Test
    void small_subnormals_get_the_shortest_then_closest_digits() {
        for (long bits = 1; bits < 2_000; bits++) {
            double value = Double.longBitsToDouble(bits);
            BigDecimal written = new BigDecimal(text(value));

            assertEquals(0, written.compareTo(shortestClosest(value)), () -> "" + value);
        }
    }

    /**
     * The definition itself, slowly: the decimal with the fewest digits inside the double's
     * rounding interval (ends included when the significand is even), then the closest.
     */
    private static BigDecimal shortestClosest(double value) {
        long bits = Double.doubleToRawLongBits(value);
        int biased = (int) (bits >>> 52);
        long fraction = bits & ((1L << 52) - 1);
        long significand = biased == 0 ? fraction : fraction | 1L << 52;
        int q = (biased == 0 ? 1 : biased) - 1075;

        BigDecimal exact = new BigDecimal(value);
        BigDecimal halfUlp = powerOfTwo(q - 1);
        BigDecimal lowerGap = fraction == 0 && biased > 1 ? powerOfTwo(q - 2) : halfUlp;
        BigDecimal low = exact.subtract(lowerGap);
        BigDecimal high = exact.add(halfUlp);
        boolean endsIncluded = (significand & 1) == 0;

        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal below = exact.round(new MathContext(digits, RoundingMode.FLOOR));
            BigDecimal above = exact.round(new MathContext(digits, RoundingMode.CEILING));
            boolean belowInside = inside(below, low, high, endsIncluded);
            boolean aboveInside = inside(above, low, high, endsIncluded);
            if (belowInside && aboveInside) {
                int order = exact.subtract(below).compareTo(above.subtract(exact));
                return order < 0 || order == 0 && !below.unscaledValue().testBit(0)
                        ? below : above;
            }
            if (belowInside || aboveInside) {
                return belowInside ? below : above;
            }
        }
        throw new AssertionError("no 17-digit decimal for " + value);
    }

    private static boolean inside(BigDecimal x, BigDecimal low, BigDecimal high,
            boolean endsIncluded) {
        int fromLow = x.compareTo(low);
        int fromHigh = x.compareTo(high);
        return endsIncluded ? fromLow >= 0 && fromHigh <= 0 : fromLow > 0 && fromHigh < 0;
    }

    private static BigDecimal powerOfTwo(int exponent) {
        return exponent >= 0
                ? new BigDecimal(BigInteger.ONE.shiftLeft(exponent))
                : new BigDecimal(BigInteger.valueOf(5).pow(-exponent), -exponent);
    }

    @Test
    void the_logarithm_shortcuts_are_exact_over_the_range_of_doubles() {
        for (int q = -1100; q <= 1100; q++) {
            BigDecimal power = powerOfTwo(q);
            assertEquals(floorLog10(power), JavaScriptNumberText.floorLog10Pow2(q), "q " + q);

            BigDecimal threeQuarters = power.multiply(new BigDecimal("0.75"));
            assertEquals(floorLog10(threeQuarters),
                    JavaScriptNumberText.floorLog10ThreeQuartersPow2(q), "q " + q);
        }
        for (int e = -330; e <= 330; e++) {
            BigDecimal power = BigDecimal.ONE.scaleByPowerOfTen(e);
            assertEquals(floorLog2(power), JavaScriptNumberText.floorLog2Pow10(e), "e " + e);
        }
    }

    /** floor(log10(x)) for positive x: the position of its first significant digit. */
    private static int floorLog10(BigDecimal x) {
        return x.precision() - x.scale() - 1;
    }

    private static int floorLog2(BigDecimal x) {
        if (x.compareTo(BigDecimal.ONE) >= 0) {
            return x.toBigInteger().bitLength() - 1;
        }
        // For x < 1, find the n with 2^n <= x < 2^(n+1) by scaling up by 2^-n.
        int n = -1;
        while (x.multiply(powerOfTwo(-n)).compareTo(BigDecimal.ONE) < 0) {
            n--;
        }
        return n;
    }
}
