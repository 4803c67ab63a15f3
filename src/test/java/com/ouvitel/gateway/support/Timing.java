package com.ouvitel.gateway.support;

/**
 * Margins of timing assertions. The machine running the tests is shared and loaded, so every
 * margin is multiplied by {@code TEST_TIME_SCALE} (default 3).
 */
public final class Timing {

  private static final double SCALE = Double.parseDouble(
      System.getenv().getOrDefault("TEST_TIME_SCALE", "3"));

  private Timing() {
  }

  /** The given margin in milliseconds, scaled. */
  public static long margin(long millis) {
    return Math.round(millis * SCALE);
  }
}
