package com.ouvitel.gateway.json;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Writes a double the way JavaScript's {@code Number.prototype.toString} does, which is what
 * {@code JSON.stringify} uses for numbers.
 *
 * <p>JavaScript picks the decimal with the fewest significant digits that reads back as the
 * same double, then the one closest to it, then the one with an even last digit; it writes
 * that decimal in plain notation when {@code 1e-6 <= |x| < 1e21} and in exponent notation
 * ({@code 1e+21}, {@code 1.5e-7}) otherwise. Java 17's {@code Double.toString} sometimes
 * gives a longer decimal, so the digits are computed here with the Schubfach method
 * (R. Giulietti, "The Schubfach way to render doubles", 2020).
 */
final class JavaScriptNumberText {

    private static final long TWO_TO_THE_53 = 1L << 53;
    private static final long SIGNIFICAND_BITS = (1L << 52) - 1;
    private static final long HIDDEN_BIT = 1L << 52;
    private static final int EXPONENT_BIAS_WITH_SIGNIFICAND = 1075;
    private static final long LOW_63_BITS = (1L << 63) - 1;

    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        long power = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }

    private JavaScriptNumberText() {
    }

    /** Appends {@code value}, which must be finite, as JavaScript would write it. */
    static void append(double value, StringBuilder out) {
        if (value == 0) {
            // Covers -0 too: JavaScript writes both zeros as "0".
            out.append('0');
            return;
        }
        if (value < 0) {
            out.append('-');
            value = -value;
        }

        // Most numbers in events are counts, ids and epoch times: a double that holds an
        // integer below 2^53 has no shorter spelling than its own digits.
        if (value < TWO_TO_THE_53 && value == (long) value) {
            out.append((long) value);
            return;
        }

        long bits = Double.doubleToRawLongBits(value);
        int biasedExponent = (int) (bits >>> 52);
        if (biasedExponent == 0) {
            appendSubnormal(value, out);
        } else {
            appendNormal(biasedExponent, bits & SIGNIFICAND_BITS, out);
        }
    }

    /**
     * Finds the digits of a normal double {@code c * 2^q}. The double stands for every real
     * in its rounding interval; in units of {@code 10^k}, chosen so that the interval is at
     * least one unit and less than ten units wide, the answer is either the one multiple of
     * ten inside the interval or the integer inside it closest to the double.
     */
    private static void appendNormal(int biasedExponent, long fraction, StringBuilder out) {
        long c = HIDDEN_BIT | fraction;
        int q = biasedExponent - EXPONENT_BIAS_WITH_SIGNIFICAND;

        // The interval's ends are reals that read back as this double only when c is even,
        // because IEEE 754 rounds a tie to the even significand.
        int endExcluded = (int) c & 1;

        // Work in quarters: the interval is [c - 1/2, c + 1/2] ulps, except just above a
        // power of two, where the double below is only half an ulp away.
        long centre = c << 2;
        long upper = centre + 2;
        long lower;
        int k;
        if (fraction == 0 && biasedExponent > 1) {
            lower = centre - 1;
            k = floorLog10ThreeQuartersPow2(q);
        } else {
            lower = centre - 2;
            k = floorLog10Pow2(q);
        }

        int shift = q + floorLog2Pow10(-k) + 2;
        long high = ScaledPowersOfTen.high(k);
        long low = ScaledPowersOfTen.low(k);
        long scaledCentre = multiplyRoundingToOdd(high, low, centre << shift);
        long scaledLower = multiplyRoundingToOdd(high, low, lower << shift);
        long scaledUpper = multiplyRoundingToOdd(high, low, upper << shift);

        long below = scaledCentre >> 2;
        long tensBelow = below / 10 * 10;
        long tensAbove = tensBelow + 10;
        boolean tensBelowInside = scaledLower + endExcluded <= tensBelow << 2;
        boolean tensAboveInside = (tensAbove << 2) + endExcluded <= scaledUpper;
        if (tensBelowInside != tensAboveInside) {
            appendDecimal(tensBelowInside ? tensBelow : tensAbove, k, out);
            return;
        }

        long above = below + 1;
        boolean belowInside = scaledLower + endExcluded <= below << 2;
        boolean aboveInside = (above << 2) + endExcluded <= scaledUpper;
        if (belowInside != aboveInside) {
            appendDecimal(belowInside ? below : above, k, out);
            return;
        }

        long fromMidpoint = scaledCentre - ((below + above) << 1);
        boolean belowCloser = fromMidpoint < 0 || fromMidpoint == 0 && (below & 1) == 0;
        appendDecimal(belowCloser ? below : above, k, out);
    }

    /**
     * Returns {@code g * scaled / 2^127} for the 126-bit {@code g = high * 2^63 + low},
     * truncated to an integer whose lowest bit is set when any fraction was dropped. That
     * "round to odd" keeps every comparison against a multiple of four exact, and the
     * Schubfach paper proves the table's precision is enough for every double.
     */
    private static long multiplyRoundingToOdd(long high, long low, long scaled) {
        long lowProductTop = Math.multiplyHigh(low, scaled);
        long highProductBottom = high * scaled;
        long highProductTop = Math.multiplyHigh(high, scaled);
        long middle = (highProductBottom >>> 1) + lowProductTop;
        long integral = highProductTop + (middle >>> 63);
        long fractionDropped = ((middle & LOW_63_BITS) + LOW_63_BITS) >>> 63;
        return integral | fractionDropped;
    }

    /**
     * Subnormal doubles have so few significant bits that one digit may already be enough;
     * they are rare enough in events to search directly: for one, two, three digits and so
     * on, try the decimals just below and just above and keep those that read back.
     */
    private static void appendSubnormal(double value, StringBuilder out) {
        BigDecimal exact = new BigDecimal(value);
        for (int digits = 1; ; digits++) {
            BigDecimal below = exact.round(new MathContext(digits, RoundingMode.FLOOR));
            BigDecimal above = exact.round(new MathContext(digits, RoundingMode.CEILING));
            boolean belowReadsBack = Double.parseDouble(below.toString()) == value;
            boolean aboveReadsBack = Double.parseDouble(above.toString()) == value;
            if (!belowReadsBack && !aboveReadsBack) {
                continue;
            }

            BigDecimal chosen;
            if (belowReadsBack && aboveReadsBack) {
                int order = exact.subtract(below).compareTo(above.subtract(exact));
                boolean belowEven = !below.unscaledValue().testBit(0);
                chosen = order < 0 || order == 0 && belowEven ? below : above;
            } else {
                chosen = belowReadsBack ? below : above;
            }
            appendDecimal(chosen.unscaledValue().longValueExact(), -chosen.scale(), out);
            return;
        }
    }

    /** Appends {@code digits * 10^exponent} in JavaScript's notation; digits is positive. */
    static void appendDecimal(long digits, int exponent, StringBuilder out) {
        while (digits % 10 == 0) {
            digits /= 10;
            exponent++;
        }
        int length = decimalLength(digits);

        // The decimal point falls after `point` digits: the value is 0.ddd times 10^point.
        int point = length + exponent;
        int start = out.length();
        if (length <= point && point <= 21) {
            out.append(digits);
            appendZeros(point - length, out);
        } else if (0 < point && point <= 21) {
            out.append(digits);
            out.insert(start + point, '.');
        } else if (-6 < point && point <= 0) {
            out.append("0.");
            appendZeros(-point, out);
            out.append(digits);
        } else {
            out.append(digits);
            if (length > 1) {
                out.insert(start + 1, '.');
            }
            int powerOfTen = point - 1;
            out.append('e').append(powerOfTen < 0 ? '-' : '+').append(Math.abs(powerOfTen));
        }
    }

    private static void appendZeros(int count, StringBuilder out) {
        for (int i = 0; i < count; i++) {
            out.append('0');
        }
    }

    private static int decimalLength(long positive) {
        int length = 1;
        while (length < POWERS_OF_TEN.length && positive >= POWERS_OF_TEN[length]) {
            length++;
        }
        return length;
    }

    /** {@code floor(q * log10(2))}, exact for |q| <= 1100 (checked by the unit tests). */
    static int floorLog10Pow2(int q) {
        return (int) (q * 661_971_961_083L >> 41);
    }

    /** {@code floor(log10(3/4 * 2^q))}, exact for |q| <= 1100. */
    static int floorLog10ThreeQuartersPow2(int q) {
        return (int) (q * 661_971_961_083L - 274_743_187_321L >> 41);
    }

    /** {@code floor(e * log2(10))}, exact for |e| <= 330. */
    static int floorLog2Pow10(int e) {
        return (int) (e * 913_124_641_741L >> 38);
    }
}
