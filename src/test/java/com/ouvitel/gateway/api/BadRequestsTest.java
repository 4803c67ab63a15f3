package com.ouvitel.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Requests that once slipped past validation into a 500: each must be a named 4xx. */
@DisplayName("Odd requests")
class BadRequestsTest {

  private static TestGateway gateway;
  private static Api api;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(Map.of());
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  @DisplayName("an empty JSON body is a 400 naming the missing field, never a 500")
  void empty_bodies_are_refused_by_name() {
    Account account = api.createAccount("premium");
    expect(api.call("POST", "/v1/accounts", TestGateway.ADMIN_TOKEN, "application/json", ""),
        400, "missing_field", "name");
    expect(api.call("POST", "/v1/webhooks", account.apiKey(), "application/json", ""),
        400, "missing_field", "url");
    expect(api.call("POST", "/v1/events", account.apiKey(), "application/json", ""),
        400, "invalid_json", "$");
    expect(api.call("POST", "/v1/events/batch", account.apiKey(), "application/json", ""),
        400, "invalid_json", "$");
  }

  @Test
  @DisplayName("a NUL character in a field, an event id, a path or a query is a 400")
  void nul_characters_are_refused() {
    Account account = api.createAccount("premium");
    expect(api.post("/v1/accounts", TestGateway.ADMIN_TOKEN,
        new JsonObject().put("name", "Acme\u0000").put("license", "premium")),
        400, "invalid_field", "NUL");
    expect(api.post("/v1/events", account.apiKey(), Api.printSuccess("j").put("id", "a\u0000b")),
        400, "invalid_field", "$.id");
    expect(api.get("/v1/webhooks/wh_%00", account.apiKey()), 400, "invalid_request", "%00");
    expect(api.get("/v1/deliveries?cursor=%00", account.apiKey()), 400, "invalid_request",
        "%00");

    Object stored = TestDatabase.queryValue("SELECT count(*) FROM events WHERE account_id = '"
        + account.id() + "'");
    assertEquals(0L, ((Number) stored).longValue(), "nothing was stored");
    JsonObject fine = api.sendEvent(account, Api.printSuccess("j").put("id", "after-nul"));
    assertTrue(fine.getString("id").startsWith("evt_"), "ingest still works: " + fine);
  }

  @Test
  @DisplayName("an Idempotency-Key header on a batch is refused, and nothing is stored")
  void a_batch_refuses_an_idempotency_key_header() {
    Account account = api.createAccount("premium");
    String batch = new JsonObject().put("events",
        new JsonArray().add(Api.printSuccess("keyed"))).encode();
    expect(api.call("POST", "/v1/events/batch", account.apiKey(), "application/json", batch,
        Map.of("Idempotency-Key", "batch-1")), 400, "idempotency_key_not_supported", "id");
    Object stored = TestDatabase.queryValue("SELECT count(*) FROM events WHERE account_id = '"
        + account.id() + "'");
    assertEquals(0L, ((Number) stored).longValue(), "nothing was stored");
    Api.Answer without = api.call("POST", "/v1/events/batch", account.apiKey(),
        "application/json", batch);
    assertEquals(202, without.status(), without.text());
  }

  @Test
  @DisplayName("unknown routes and methods answer JSON errors, 404 and 405")
  void unknown_routes_answer_json() {
    Account account = api.createAccount("premium");
    expect(api.get("/v1/nothing-here", account.apiKey()), 404, "not_found", "route");
    String raw = rawRequest("PATCH /v1/webhooks/%ZZ HTTP/1.1\r\nHost: localhost\r\n"
        + "Authorization: Bearer " + account.apiKey() + "\r\n"
        + "Content-Type: application/json\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\n{}");
    assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
    JsonObject error = new JsonObject(raw.substring(raw.indexOf("\r\n\r\n") + 4))
        .getJsonObject("error");
    assertEquals("invalid_request", error.getString("code"), raw);
    assertTrue(error.getString("message").contains("percent-encoding"), raw);
    expect(api.call("PUT", "/v1/webhooks/wh_x", account.apiKey(), "application/json", "{}"),
        405, "method_not_allowed", "method");
  }

  @Test
  @DisplayName("a path over the request-line limit is a 414 and headers over theirs a 431, "
      + "each in the error shape, and the gateway goes on answering")
  void oversized_request_lines_and_headers_are_named() {
    Account account = api.createAccount("premium");
    String longPath = rawRequest("GET /v1/webhooks/wh_" + "x".repeat(5_000) + " HTTP/1.1\r\n"
        + "Host: localhost\r\nAuthorization: Bearer " + account.apiKey() + "\r\n\r\n");
    expectRaw(longPath, 414, "uri_too_long", "4096 bytes");

    String bigHeader = rawRequest("GET /v1/webhooks HTTP/1.1\r\nHost: localhost\r\n"
        + "Authorization: Bearer " + account.apiKey() + "\r\n"
        + "X-Padding: " + "y".repeat(9_000) + "\r\n\r\n");
    expectRaw(bigHeader, 431, "headers_too_large", "8192 bytes");

    JsonObject fine = api.sendEvent(account, Api.printSuccess("j").put("id", "after-long"));
    assertTrue(fine.getString("id").startsWith("evt_"), "ingest still works: " + fine);
  }

  @Test
  @DisplayName("calls that take no body need no Content-Type")
  void bodiless_posts_need_no_content_type() {
    Account account = api.createAccount("premium");
    JsonObject webhook = api.createWebhook(account, "http://127.0.0.1:9/none", "all");
    Answer rotated = api.call("POST", "/v1/webhooks/" + webhook.getString("id")
        + "/rotate-secret", account.apiKey(), null, null);
    assertEquals(200, rotated.status(), rotated.text());
    assertTrue(rotated.json().getString("secret").startsWith("whsec_"));
  }

  /** Sends bytes no HTTP client would (a malformed escape), and answers the whole reply. */
  private static String rawRequest(String request) {
    URI base = URI.create(api.base());
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void expectRaw(String raw, int status, String code, String mention) {
    // A request line the decoder could not read has no version yet: Netty answers 1.0.
    assertTrue(raw.matches("(?s)HTTP/1\\.[01] " + status + " .*"), raw);
    assertTrue(raw.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"),
        raw);
    JsonObject error = new JsonObject(raw.substring(raw.indexOf("\r\n\r\n") + 4))
        .getJsonObject("error");
    assertEquals(code, error.getString("code"), raw);
    assertTrue(error.getString("message").contains(mention), raw);
  }

  private static void expect(Answer answer, int status, String code, String mention) {
    assertEquals(status, answer.status(), answer.text());
    assertEquals(code, answer.errorCode(), answer.text());
    assertTrue(answer.errorMessage().contains(mention),
        "'" + answer.errorMessage() + "' should mention " + mention);
  }
}
