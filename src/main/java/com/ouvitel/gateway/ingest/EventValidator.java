package com.ouvitel.gateway.ingest;

import com.ouvitel.gateway.api.ApiError;
import com.ouvitel.gateway.json.StrictJson;
import com.ouvitel.gateway.store.Ids;
import com.ouvitel.gateway.store.Messages.AcceptedEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns what a fleet sent into an accepted event: checks the event type, the required
 * payload fields and the timestamps, and builds the delivery body once, in the exact form
 * every attempt will send and sign.
 */
public final class EventValidator {

  /** Event types; {@code all} is only a subscription selector, never an event. */
  public static final List<String> EVENT_TYPES =
      List.of("print.success", "print.failure", "printer.offline", "printer.online");

  private static final Map<String, List<String>> REQUIRED = Map.of(
      "print.success", List.of("jobId", "printerToken", "timestamp"),
      "print.failure", List.of("jobId", "printerToken", "timestamp"),
      "printer.offline", List.of("printerToken", "timestamp"),
      "printer.online", List.of("printerToken", "timestamp"));

  private static final Set<String> TIMESTAMP_FIELDS = Set.of("timestamp", "lastSeenAt");
  private static final Set<String> TOP_LEVEL = Set.of("event", "payload", "timestamp", "id");
  private static final Pattern ISO_UTC = Pattern.compile(
      "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|\\+00:00)");
  private static final int MAX_KEY_LENGTH = 255;

  /** What a fleet may send as one event, with the idempotency key from a header if any. */
  public AcceptedEvent accept(Object tree, String path, String accountId, String headerKey,
      Instant now) {
    if (!(tree instanceof Map)) {
      throw ApiError.invalidField(path, "must be a JSON object");
    }
    Map<?, ?> input = (Map<?, ?>) tree;
    for (Object key : input.keySet()) {
      if (!TOP_LEVEL.contains(key)) {
        throw new ApiError(400, "unknown_field", fieldPath(path, (String) key)
            + " is not a field of an event (expected event, payload, timestamp, id)");
      }
    }
    String event = eventType(input.get("event"), path + ".event");
    Map<?, ?> payload = payload(input.get("payload"), path + ".payload", event);
    Object givenTimestamp = input.get("timestamp");
    String timestamp;
    if (givenTimestamp == null) {
      timestamp = (String) payload.get("timestamp");
    } else {
      timestamp = timestamp(givenTimestamp, path, "timestamp");
    }
    String key = idempotencyKey(input.get("id"), path + ".id", headerKey);

    StringBuilder body = new StringBuilder(256);
    body.append("{\"event\":");
    StrictJson.write(event, body);
    body.append(",\"payload\":");
    int payloadStart = body.length();
    StrictJson.write(payload, body);
    int payloadEnd = body.length();
    body.append(",\"timestamp\":");
    StrictJson.write(timestamp, body);
    body.append('}');
    String text = body.toString();

    byte[] requestHash = key == null ? null : digest(event + '\u0000'
        + text.substring(payloadStart, payloadEnd) + '\u0000'
        + (givenTimestamp == null ? "" : timestamp));
    // Ids hold milliseconds; the stored creation time must match to find the partition.
    Instant at = now.truncatedTo(ChronoUnit.MILLIS);
    return new AcceptedEvent(Ids.next(Ids.EVENT, at), at, accountId, event, text, key,
        requestHash, null);
  }

  /** A test event for one webhook, with a sample payload of the given type. */
  public AcceptedEvent testEvent(String event, String accountId, String webhookId,
      Instant now) {
    String stamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
    StringBuilder payload = new StringBuilder("{");
    if (event.startsWith("print.")) {
      payload.append("\"jobId\":\"job_test\",");
    }
    payload.append("\"printerToken\":\"printer_test\",\"timestamp\":\"").append(stamp)
        .append("\",\"test\":true}");
    String body = "{\"event\":\"" + event + "\",\"payload\":" + payload
        + ",\"timestamp\":\"" + stamp + "\"}";
    Instant at = now.truncatedTo(ChronoUnit.MILLIS);
    return new AcceptedEvent(Ids.next(Ids.EVENT, at), at, accountId, event, body, null,
        null, webhookId);
  }

  private static String eventType(Object value, String path) {
    if (value == null) {
      throw new ApiError(400, "missing_field", path + " is required");
    }
    if (!(value instanceof String)) {
      throw ApiError.invalidField(path, "must be a string");
    }
    String event = (String) value;
    if (!REQUIRED.containsKey(event)) {
      throw new ApiError(400, "unknown_event", path + " '" + shorten(event)
          + "' is not an event type (expected one of " + String.join(", ", EVENT_TYPES)
          + ")");
    }
    return event;
  }

  private static Map<?, ?> payload(Object value, String path, String event) {
    if (value == null) {
      throw new ApiError(400, "missing_field", path + " is required");
    }
    if (!(value instanceof Map)) {
      throw ApiError.invalidField(path, "must be a JSON object");
    }
    Map<?, ?> payload = (Map<?, ?>) value;
    // Field paths are spelled out only for an error: this runs for every event of a batch.
    for (String field : REQUIRED.get(event)) {
      Object fieldValue = payload.get(field);
      if (fieldValue == null) {
        throw new ApiError(400, "missing_field",
            path + "." + field + " is required for " + event);
      }
      if (!(fieldValue instanceof String) || ((String) fieldValue).isEmpty()) {
        throw ApiError.invalidField(path + "." + field, "must be a non-empty string");
      }
    }
    for (String field : TIMESTAMP_FIELDS) {
      Object stamp = payload.get(field);
      if (stamp != null || payload.containsKey(field)) {
        timestamp(stamp, path, field);
      }
    }
    return payload;
  }

  private static String timestamp(Object value, String path, String field) {
    if (value instanceof String && isRealUtcTimestamp((String) value)) {
      return (String) value;
    }
    return timestamp(value, path + "." + field);
  }

  private static String timestamp(Object value, String path) {
    if (!(value instanceof String)) {
      throw ApiError.invalidField(path, "must be an ISO 8601 UTC timestamp string");
    }
    String text = (String) value;
    if (!ISO_UTC.matcher(text).matches()) {
      throw ApiError.invalidField(path,
          "must be an ISO 8601 timestamp in UTC, like 2026-01-06T12:00:00Z");
    }
    if (!isRealUtcTimestamp(text)) {
      throw ApiError.invalidField(path, "is not a real date and time");
    }
    return text;
  }

  /**
   * True for text of the shape of {@link #ISO_UTC} naming a real date and time (no February
   * 30, no hour 24, no second 60), as a strict ISO parse would say, but without building
   * the parser's objects: this runs for every timestamp of every event.
   */
  static boolean isRealUtcTimestamp(String text) {
    if (!ISO_UTC.matcher(text).matches()) {
      return false;
    }
    try {
      LocalDateTime.of(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2),
          digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2));
      return true;
    } catch (DateTimeException notReal) {
      return false;
    }
  }

  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      value = value * 10 + (text.charAt(i) - '0');
    }
    return value;
  }

  private static String idempotencyKey(Object value, String path, String headerKey) {
    String key = headerKey;
    if (value != null) {
      if (!(value instanceof String) || ((String) value).isEmpty()) {
        throw ApiError.invalidField(path, "must be a non-empty string");
      }
      key = (String) value;
    }
    if (key != null && key.indexOf('\u0000') >= 0) {
      throw ApiError.invalidField(value != null ? path : "Idempotency-Key header",
          "must not contain the NUL character (\\u0000)");
    }
    if (key != null && key.length() > MAX_KEY_LENGTH) {
      throw ApiError.invalidField(value != null ? path : "Idempotency-Key header",
          "must be at most " + MAX_KEY_LENGTH + " characters");
    }
    return key;
  }

  private static String fieldPath(String path, String key) {
    return key.matches("[A-Za-z_$][A-Za-z0-9_$]*") ? path + "." + key
        : path + "[\"" + shorten(key).replace("\"", "\\\"") + "\"]";
  }

  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
