package com.ouvitel.gateway.json;

import java.math.BigInteger;

/**
 * Powers of ten as 126-bit fixed-point significands, the table that
 * {@link JavaScriptNumberText} multiplies by to find shortest digits.
 *
 * <p>For each decimal exponent {@code k}, {@code 10^-k} is written as {@code beta * 2^r} with
 * {@code 2^125 <= beta < 2^126}, and the table holds {@code g = floor(beta) + 1}: always a
 * little above the true value, which is the rounding the Schubfach error analysis assumes
 * (R. Giulietti, "The Schubfach way to render doubles", 2020). Each {@code g} is split into
 * two 63-bit halves so that products fit {@link Math#multiplyHigh}.
 */
final class ScaledPowersOfTen {

    /** The smallest k that a normal double needs. */
    static final int MIN_K = -324;

    /** The largest k that a finite double needs. */
    static final int MAX_K = 292;

    private static final long LOW_63_BITS = (1L << 63) - 1;

    private static final long[] HIGH_HALVES = new long[MAX_K - MIN_K + 1];
    private static final long[] LOW_HALVES = new long[MAX_K - MIN_K + 1];

    static {
        // Computed once at class loading instead of pasted in as 1,234 opaque literals;
        // BigInteger makes every entry exact, and it takes a few milliseconds.
        BigInteger powerOfTen = BigInteger.ONE;
        for (int n = 0; n <= -MIN_K; n++) {
            int shift = 126 - powerOfTen.bitLength();
            BigInteger beta = shift >= 0
                    ? powerOfTen.shiftLeft(shift)
                    : powerOfTen.shiftRight(-shift);
            store(-n, beta.add(BigInteger.ONE));
            powerOfTen = powerOfTen.multiply(BigInteger.TEN);
        }

        powerOfTen = BigInteger.TEN;
        for (int k = 1; k <= MAX_K; k++) {
            BigInteger beta = BigInteger.ONE
                    .shiftLeft(125 + powerOfTen.bitLength())
                    .divide(powerOfTen);
            store(k, beta.add(BigInteger.ONE));
            powerOfTen = powerOfTen.multiply(BigInteger.TEN);
        }
    }

    private ScaledPowersOfTen() {
    }

    private static void store(int k, BigInteger g) {
        if (g.bitLength() != 126) {
            throw new AssertionError("scaled 10^" + -k + " has " + g.bitLength() + " bits");
        }
        HIGH_HALVES[k - MIN_K] = g.shiftRight(63).longValueExact();
        LOW_HALVES[k - MIN_K] = g.longValue() & LOW_63_BITS;
    }

    /** Bits 63 to 125 of the scaled {@code 10^-k}. */
    static long high(int k) {
        return HIGH_HALVES[k - MIN_K];
    }

    /** Bits 0 to 62 of the scaled {@code 10^-k}. */
    static long low(int k) {
        return LOW_HALVES[k - MIN_K];
    }
}
