package com.ouvitel.gateway.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The system clock in UTC, moved forward by whatever a test adds to it. */
public final class MovableClock extends Clock {

  private volatile Duration offset = Duration.ZERO;

  /** Moves every later reading forward by the given amount. */
  public void advance(Duration amount) {
    offset = offset.plus(amount);
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the gateway reads time in UTC only");
  }
}
