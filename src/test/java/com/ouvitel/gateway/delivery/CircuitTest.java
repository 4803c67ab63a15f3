package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A circuit")
class CircuitTest {

  private static final Duration COOL_DOWN = Duration.ofSeconds(30);
  private final Instant start = Instant.parse("2026-12-04T10:00:00Z");
  private final Circuit circuit = new Circuit(3, COOL_DOWN);

  @Test
  @DisplayName("opens at the threshold of failures in a row, and a success resets the count")
  void opens_at_threshold() {
    assertEquals(Circuit.Change.NONE, circuit.record(true, start));
    assertEquals(Circuit.Change.NONE, circuit.record(false, start));
    assertEquals(Circuit.Change.NONE, circuit.record(true, start));
    assertEquals(Circuit.Change.NONE, circuit.record(true, start));
    assertFalse(circuit.holds(start));

    assertEquals(Circuit.Change.OPENED, circuit.record(true, start));
    assertTrue(circuit.holds(start.plusSeconds(29)));
    assertFalse(circuit.holds(start.plusSeconds(30)), "the cool-down is over");
  }

  @Test
  @DisplayName("lets one probe through after the cool-down: success closes, failure re-opens")
  void probe_after_cool_down() {
    for (int i = 0; i < 3; i++) {
      circuit.record(true, start);
    }
    Instant later = start.plus(COOL_DOWN);
    circuit.attemptStarted();
    assertTrue(circuit.holds(later), "nothing else while the probe is out");
    assertEquals(Circuit.Change.EXTENDED, circuit.record(true, later));
    assertTrue(circuit.holds(later.plusSeconds(29)), "a failed probe opens it again");
    assertEquals(start, circuit.openedAt(), "it is still the circuit that opened first");
    assertEquals(later.plus(COOL_DOWN), circuit.openUntil());

    Instant again = later.plus(COOL_DOWN);
    circuit.attemptStarted();
    assertEquals(Circuit.Change.CLOSED, circuit.record(false, again));
    assertFalse(circuit.holds(again));
    assertTrue(circuit.isIdle());
    assertEquals(null, circuit.openedAt());
  }

  @Test
  @DisplayName("spreads held deliveries over up to 5 s after the cool-down")
  void spreads_reopening() {
    for (int i = 0; i < 3; i++) {
      circuit.record(true, start);
    }
    assertEquals(start.plus(COOL_DOWN), circuit.reopening(start, 0));
    assertEquals(start.plus(COOL_DOWN).plusSeconds(5), circuit.reopening(start, 1));
  }
}
