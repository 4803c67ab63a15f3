package com.ouvitel.gateway.delivery;

import com.ouvitel.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * When the next attempt of a delivery happens. Attempt 1 is immediate; after a failed attempt
 * n (n <= maxRetries) the next one waits {@code initialDelay * multiplier^(n-1)}, spread by
 * a random factor within plus or minus {@code jitter}; after attempt maxRetries + 1 there is
 * none. The defaults give about 1 min, 5 min, 25 min, 2 h and 10 h.
 */
public final class RetryPolicy {

  private final Duration initialDelay;
  private final double multiplier;
  private final int maxRetries;
  private final double jitter;
  private final Duration retryAfterCap;
  private final DoubleSupplier random;

  public RetryPolicy(Duration initialDelay, double multiplier, int maxRetries, double jitter,
      Duration retryAfterCap, DoubleSupplier random) {
    if (initialDelay.isNegative() || multiplier < 1 || maxRetries < 0 || jitter < 0
        || jitter >= 1) {
      throw new IllegalArgumentException("retry settings out of range");
    }
    this.initialDelay = initialDelay;
    this.multiplier = multiplier;
    this.maxRetries = maxRetries;
    this.jitter = jitter;
    this.retryAfterCap = retryAfterCap;
    this.random = random;
  }

  public static RetryPolicy from(GatewayConfig config) {
    return new RetryPolicy(
        config.duration("retry_initial_delay"),
        config.decimal("retry_multiplier"),
        config.integer("retry_max_retries"),
        config.decimal("retry_jitter"),
        config.duration("retry_after_cap"),
        Math::random);
  }

  /** Attempts a delivery gets at most: the first one and every retry. */
  public int maxAttempts() {
    return maxRetries + 1;
  }

  /**
   * The wait after failed attempt {@code attempt} (1-based), or null when that attempt was
   * the last one allowed. A {@code retryAfter} the endpoint asked for (429 or 503) lengthens
   * the wait up to the configured cap, never shortens it.
   */
  public Duration delayAfter(int attempt, Duration retryAfter) {
    if (attempt > maxRetries) {
      return null;
    }
    double base = initialDelay.toMillis() * Math.pow(multiplier, attempt - 1);
    double spread = 1 + jitter * (2 * random.getAsDouble() - 1);
    long millis = Math.round(base * spread);
    if (retryAfter != null) {
      long asked = Math.min(retryAfter.toMillis(), retryAfterCap.toMillis());
      millis = Math.max(millis, asked);
    }
    return Duration.ofMillis(millis);
  }
}
