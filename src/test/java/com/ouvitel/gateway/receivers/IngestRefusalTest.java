package com.ouvitel.gateway.receivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ingest refuses every body that a receiver could not verify after a JSON round trip, with
 * an error naming where the problem is, and stores nothing of it; and it takes JSON only
 * in UTF-8.
 */
@DisplayName("Event ingest")
class IngestRefusalTest {

  private static final String PAYLOAD_START = "{\"event\":\"print.success\",\"payload\":{"
      + "\"jobId\":\"job_1\",\"printerToken\":\"p\",\"timestamp\":\"2026-01-06T12:00:00Z\",";

  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static Api api;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    gateway = TestGateway.start(Map.of());
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
  }

  static Stream<Arguments> refusedBodies() {
    return Stream.of(
        refused("a duplicate key", utf8(PAYLOAD_START + "\"x\":1,\"x\":2}}"),
            "duplicate key", "$.payload.x"),
        refused("a key that repeats another once unescaped",
            utf8(PAYLOAD_START + "\"ab\":1,\"a\\u0062\":2}}"), "duplicate key", "$.payload.ab"),
        refused("an integer past 2^53", utf8(PAYLOAD_START + "\"count\":9007199254740993}}"),
            "integer beyond 2^53", "$.payload.count"),
        refused("a negative integer past -2^53",
            utf8(PAYLOAD_START + "\"list\":[1,-9007199254740993]}}"),
            "integer beyond 2^53", "$.payload.list[1]"),
        refused("a number beyond the range of a double",
            utf8(PAYLOAD_START + "\"reading\":{\"max\":1e400}}}"),
            "too large for a double", "$.payload.reading.max"),
        refused("a lone high surrogate escape", utf8(PAYLOAD_START + "\"note\":\"\\ud83d\"}}"),
            "surrogate", "$.payload.note"),
        refused("a lone low surrogate escape",
            utf8(PAYLOAD_START + "\"notes\":[\"ok\",\"\\udca8!\"]}}"),
            "surrogate", "$.payload.notes[1]"),
        refused("a truncated UTF-8 sequence",
            bytes(PAYLOAD_START + "\"note\":\"S", 0xC3, "o\"}}"),
            "invalid UTF-8", "$.payload.note"),
        refused("an overlong UTF-8 encoding",
            bytes(PAYLOAD_START + "\"note\":\"", 0xC0, 0xAF, "\"}}"),
            "invalid UTF-8", "$.payload.note"),
        refused("a surrogate encoded in UTF-8",
            bytes(PAYLOAD_START + "\"note\":\"", 0xED, 0xA0, 0xBD, "\"}}"),
            "invalid UTF-8", "$.payload.note"),
        refused("nesting deeper than 64 levels",
            utf8(PAYLOAD_START + "\"tree\":" + "[".repeat(70) + "]".repeat(70) + "}}"),
            "nested deeper than 64", "$.payload.tree[0][0]"),
        refused("nesting deeper than 64 levels in a batch item", utf8("{\"events\":["
            + PAYLOAD_START + "\"tree\":" + "[".repeat(63) + "]".repeat(63) + "}}]}"),
            "nested deeper than 66", "$.events[0].payload.tree[0][0]"),
        refused("a bad item in a batch", utf8("{\"events\":[" + PAYLOAD_START
            + "\"n\":1}}," + PAYLOAD_START + "\"n\":1,\"n\":2}}]}"),
            "duplicate key", "$.events[1].payload.n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedBodies")
  @DisplayName("refuses with a 400 naming the JSON path, and leaves no rows:")
  void refuses_with_the_path_and_stores_nothing(String what, byte[] body, String problem,
      String path) {
    Account account = accountWithWebhook();
    String route = path.startsWith("$.events") ? "/v1/events/batch" : "/v1/events";

    Answer answer = api.callBytes("POST", route, account.apiKey(), "application/json", body);

    assertEquals(400, answer.status(), answer.text());
    assertEquals("invalid_json", answer.errorCode());
    assertTrue(answer.errorMessage().contains(problem), answer.errorMessage());
    assertTrue(answer.errorMessage().contains(" at " + path + " ")
        || answer.errorMessage().contains(" at " + path + "["), answer.errorMessage());
    assertNoRows(account);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {262_145, 4_194_305})
  @DisplayName("refuses an event over the size limit with 413, and leaves no rows:")
  void refuses_too_large_events(int size) {
    Account account = accountWithWebhook();
    String padding = "a".repeat(size - PAYLOAD_START.length() - "\"pad\":\"\"}}".length());
    byte[] body = utf8(PAYLOAD_START + "\"pad\":\"" + padding + "\"}}");
    assertEquals(size, body.length);

    Answer answer = api.callBytes("POST", "/v1/events", account.apiKey(), "application/json",
        body);

    assertEquals(413, answer.status(), answer.text());
    assertEquals("payload_too_large", answer.errorCode());
    assertNoRows(account);
  }

  @Test
  @DisplayName("refuses a batch item over the size limit with its own 413, storing the rest")
  void refuses_too_large_batch_items() {
    Account account = accountWithWebhook();
    String padding = "a".repeat(262_144);
    String batch = "{\"events\":[" + PAYLOAD_START + "\"n\":1}}," + PAYLOAD_START
        + "\"pad\":\"" + padding + "\"}}]}";

    Answer answer = api.call("POST", "/v1/events/batch", account.apiKey(), "application/json",
        batch);

    assertEquals(202, answer.status(), answer.text());
    JsonArray results = answer.json().getJsonArray("results");
    assertTrue(results.getJsonObject(0).getString("id").startsWith("evt_"), answer.text());
    JsonObject refused = results.getJsonObject(1).getJsonObject("error");
    assertEquals(413, refused.getInteger("status"));
    assertEquals("payload_too_large", refused.getString("code"));
    assertTrue(refused.getString("message").contains("$.events[1]"), refused.encode());
    Object stored = TestDatabase.queryValue("SELECT count(*) FROM events WHERE account_id = '"
        + account.id() + "'");
    assertEquals(1L, ((Number) stored).longValue(), "only the first item is stored");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"application/json", "application/json; charset=utf-8",
      "application/json;charset=UTF-8", "Application/JSON; Charset=\"utf-8\"",
      "application/json ; charset = UTF-8 ", "APPLICATION/JSON;CHARSET=\"UTF-8\"",
      "application/json; charset=utf8"})
  @DisplayName("accepts application/json with any spelling of charset=utf-8:")
  void accepts_json_in_utf8(String contentType) {
    Account account = accountWithWebhook();
    Answer answer = api.call("POST", "/v1/events", account.apiKey(), contentType,
        Api.printSuccess("job_type").encode());
    assertEquals(202, answer.status(), answer.text());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"application/json; charset=iso-8859-1",
      "application/json; charset=utf-16", "application/json; charset=\"us-ascii\"",
      "text/plain", "text/json", "application/x-www-form-urlencoded",
      "application/vnd.api+json", "application/jsonl"})
  @DisplayName("refuses other charsets and other types with 415, and leaves no rows:")
  void refuses_other_types(String contentType) {
    Account account = accountWithWebhook();
    Answer answer = api.call("POST", "/v1/events", account.apiKey(), contentType,
        Api.printSuccess("job_type").encode());
    assertEquals(415, answer.status(), answer.text());
    assertEquals("unsupported_media_type", answer.errorCode());
    assertNoRows(account);
  }

  private static Account accountWithWebhook() {
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/refusals"), "all");
    return account;
  }

  private static void assertNoRows(Account account) {
    for (String table : new String[] {"events", "deliveries", "idempotency_keys"}) {
      Object count = TestDatabase.queryValue("SELECT count(*) FROM " + table
          + " WHERE account_id = '" + account.id() + "'");
      assertEquals(0L, ((Number) count).longValue(), "rows left in " + table);
    }
  }

  private static Arguments refused(String what, byte[] body, String problem, String path) {
    return Arguments.of(what, body, problem, path);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Text as UTF-8 with raw bytes (given as ints) spliced in between. */
  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof Integer) {
        out.write((Integer) part);
      } else {
        out.writeBytes(utf8((String) part));
      }
    }
    return out.toByteArray();
  }
}
