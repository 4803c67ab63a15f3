package com.ouvitel.gateway.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real time shifted by an offset that a test moves forward: time goes on as usual
 * (timers, leases, deadlines behave), and an hour of silence takes one call.
 */
public final class TestClock extends Clock {

  private final AtomicLong offsetNanos = new AtomicLong();

  public void advance(Duration duration) {
    offsetNanos.addAndGet(duration.toNanos());
  }

  @Override
  public Instant instant() {
    return Instant.now().plusNanos(offsetNanos.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
