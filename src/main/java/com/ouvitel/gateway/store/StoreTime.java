package com.ouvitel.gateway.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Conversions between Java time, PostgreSQL timestamps and the API's ISO 8601 text. */
public final class StoreTime {

  private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;

  private StoreTime() {
  }

  public static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  public static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  /** ISO 8601 in UTC with millisecond precision at most, or null. */
  public static String iso(OffsetDateTime time) {
    return time == null ? null : ISO.format(time.toInstant().truncatedTo(ChronoUnit.MILLIS));
  }

  public static String iso(Instant time) {
    return time == null ? null : ISO.format(time.truncatedTo(ChronoUnit.MILLIS));
  }
}
