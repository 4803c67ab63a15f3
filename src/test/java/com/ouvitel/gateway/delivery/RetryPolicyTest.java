package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private static RetryPolicy policy(double random) {
    return new RetryPolicy(Duration.ofSeconds(60), 5, 5, 0.2, Duration.ofHours(1),
        () -> random);
  }

  @Test
  void default_schedule_is_about_1m_5m_25m_2h_10h_then_nothing() {
    RetryPolicy middle = policy(0.5);
    assertEquals(Duration.ofMinutes(1), middle.delayAfter(1, null));
    assertEquals(Duration.ofMinutes(5), middle.delayAfter(2, null));
    assertEquals(Duration.ofMinutes(25), middle.delayAfter(3, null));
    assertEquals(Duration.ofMinutes(125), middle.delayAfter(4, null));
    assertEquals(Duration.ofMinutes(625), middle.delayAfter(5, null));
    assertNull(middle.delayAfter(6, null));
    assertEquals(6, middle.maxAttempts());
  }

  @Test
  void jitter_spreads_each_delay_within_its_bounds() {
    assertEquals(Duration.ofSeconds(48), policy(0).delayAfter(1, null));
    assertEquals(Duration.ofSeconds(72), policy(1).delayAfter(1, null));
  }

  @Test
  void retry_after_lengthens_up_to_the_cap_and_never_shortens() {
    RetryPolicy middle = policy(0.5);
    assertEquals(Duration.ofMinutes(10), middle.delayAfter(1, Duration.ofMinutes(10)));
    assertEquals(Duration.ofHours(1), middle.delayAfter(1, Duration.ofHours(5)));
    assertEquals(Duration.ofMinutes(5), middle.delayAfter(2, Duration.ofSeconds(3)));
    assertNull(middle.delayAfter(6, Duration.ofSeconds(3)), "no retry left is no retry");
  }

  @Test
  void zero_retries_means_one_attempt() {
    RetryPolicy none = new RetryPolicy(Duration.ofSeconds(1), 2, 0, 0, Duration.ofHours(1),
        () -> 0.5);
    assertNull(none.delayAfter(1, null));
    assertTrue(none.maxAttempts() == 1);
  }
}
