package com.ouvitel.gateway.delivery;

import java.time.Duration;
import java.time.Instant;

/**
 * The circuit breaker of one endpoint URL. Closed, it lets every attempt through and counts
 * the endpoint's failures in a row; at the threshold it opens for a cool-down, during which
 * deliveries wait without spending attempts; after it one probe goes through, which closes
 * the circuit when it succeeds and opens it again when it fails.
 *
 * <p>It is kept per URL, not per host: on a host that many customers share (an automation
 * platform), one customer's broken hook must not hold back the others'.
 */
final class Circuit {

  /**
   * What recording an attempt did to the circuit: nothing, opened it, closed it, or kept an
   * open circuit open for a new cool-down (a failed probe, or an attempt that was already out).
   */
  enum Change { NONE, OPENED, CLOSED, EXTENDED }

  private final int threshold;
  private final Duration coolDown;
  private int failuresInARow;
  private Instant openedAt;
  private Instant openUntil;
  private boolean probing;

  Circuit(int threshold, Duration coolDown) {
    this.threshold = threshold;
    this.coolDown = coolDown;
  }

  /**
   * True while deliveries must wait: during the cool-down, and after it while the one probe
   * it lets through is under way.
   */
  boolean holds(Instant now) {
    return openUntil != null && (now.isBefore(openUntil) || probing);
  }

  /** An attempt goes out; after a cool-down that attempt is the probe. */
  void attemptStarted() {
    if (openUntil != null) {
      probing = true;
    }
  }

  /**
   * Records the end of an attempt. Returns {@code OPENED} when the circuit opened now,
   * {@code CLOSED} when an open circuit closed, {@code EXTENDED} when a failure kept an open
   * circuit open longer, {@code NONE} otherwise (a failure below the threshold, a success
   * while closed).
   */
  Change record(boolean endpointFault, Instant now) {
    boolean wasProbe = probing;
    probing = false;
    if (!endpointFault) {
      failuresInARow = 0;
      if (openUntil == null) {
        return Change.NONE;
      }
      openUntil = null;
      openedAt = null;
      return Change.CLOSED;
    }
    failuresInARow++;
    if (!wasProbe && failuresInARow < threshold) {
      return Change.NONE;
    }
    openUntil = now.plus(coolDown);
    if (openedAt != null) {
      return Change.EXTENDED;
    }
    openedAt = now;
    return Change.OPENED;
  }

  /**
   * When a delivery held by this circuit is due again: after the cool-down, spread over up
   * to 5 s ({@code spread} from 0 to 1) so that a recovered endpoint is not hit by a wave.
   */
  Instant reopening(Instant now, double spread) {
    Instant base = openUntil != null && openUntil.isAfter(now) ? openUntil : now.plus(coolDown);
    return base.plusMillis((long) (spread * Math.min(5000, coolDown.toMillis())));
  }

  boolean isOpen() {
    return openUntil != null;
  }

  /** True when it holds no state worth keeping: closed, with no failure counted. */
  boolean isIdle() {
    return openUntil == null && failuresInARow == 0 && !probing;
  }

  int failuresInARow() {
    return failuresInARow;
  }

  Instant openUntil() {
    return openUntil;
  }

  /** When the circuit opened; null while it is closed. */
  Instant openedAt() {
    return openedAt;
  }
}
