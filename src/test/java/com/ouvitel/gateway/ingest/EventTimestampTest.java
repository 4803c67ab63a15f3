package com.ouvitel.gateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.api.ApiError;
import com.ouvitel.gateway.json.StrictJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Event timestamps")
class EventTimestampTest {

  private final EventValidator validator = new EventValidator();

  @ParameterizedTest
  @ValueSource(strings = {"2026-01-06T12:00:00Z", "2028-02-29T23:59:59Z",
      "2026-01-06T12:00:00.123456789Z", "2026-01-06T12:00:00+00:00", "0000-01-01T00:00:00Z"})
  @DisplayName("are accepted when they name a real UTC date and time")
  void real_utc_timestamps_are_accepted(String stamp) {
    assertEquals(stamp, validator.accept(event(stamp), "$", "acct_1", null, Instant.now())
        .body().replaceAll(".*\"timestamp\":\"([^\"]+)\"}$", "$1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-02-29T12:00:00Z", "2026-02-30T12:00:00Z",
      "2026-04-31T12:00:00Z", "2026-13-01T12:00:00Z", "2026-01-06T24:00:00Z",
      "2026-01-06T12:60:00Z", "2026-01-06T12:00:60Z"})
  @DisplayName("are refused, naming the field, when no such date and time exists")
  void impossible_dates_are_refused(String stamp) {
    ApiError refused = assertThrows(ApiError.class,
        () -> validator.accept(event(stamp), "$", "acct_1", null, Instant.now()));
    assertEquals("$.payload.timestamp is not a real date and time", refused.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-01-06T12:00:00+01:00", "2026-01-06 12:00:00Z",
      "2026-01-06T12:00Z", "yesterday"})
  @DisplayName("are refused, naming the field, when they are not ISO 8601 in UTC")
  void other_shapes_are_refused(String stamp) {
    ApiError refused = assertThrows(ApiError.class,
        () -> validator.accept(event(stamp), "$", "acct_1", null, Instant.now()));
    assertTrue(refused.getMessage().startsWith("$.payload.timestamp must be an ISO 8601"),
        refused.getMessage());
  }

  private static Object event(String stamp) {
    return StrictJson.parse(("{\"event\":\"print.success\",\"payload\":{\"jobId\":\"j1\","
        + "\"printerToken\":\"p1\",\"timestamp\":\"" + stamp + "\"}}")
        .getBytes(StandardCharsets.UTF_8));
  }
}
