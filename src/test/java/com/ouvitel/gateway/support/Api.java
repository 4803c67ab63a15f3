package com.ouvitel.gateway.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** A blocking client of the gateway's API, for tests. */
public final class Api {

  /** An answer: its status, its body as text and, when it is JSON, as an object. */
  public record Answer(int status, String text, HttpResponse<String> raw) {

    public JsonObject json() {
      return new JsonObject(text);
    }

    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    public String errorMessage() {
      return json().getJsonObject("error").getString("message");
    }
  }

  /** A fresh account with its API key. */
  public record Account(String id, String apiKey) {
  }

  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String adminToken;

  public Api(String base, String adminToken) {
    this.base = base;
    this.adminToken = adminToken;
  }

  public String base() {
    return base;
  }

  public Answer call(String method, String path, String token, String contentType,
      String body) {
    return call(method, path, token, contentType, body, Map.of());
  }

  /** A call with further request headers. */
  public Answer call(String method, String path, String token, String contentType,
      String body, Map<String, String> headers) {
    return callBytes(method, path, token, contentType,
        body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
  }

  /** A call whose body is given as bytes, which need not be valid UTF-8. */
  public Answer callBytes(String method, String path, String token, String contentType,
      byte[] body) {
    return callBytes(method, path, token, contentType, body, Map.of());
  }

  private Answer callBytes(String method, String path, String token, String contentType,
      byte[] body, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    headers.forEach(request::header);
    try {
      HttpResponse<String> response = client.send(request.build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), response);
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    }
  }

  public Answer get(String path, String token) {
    return call("GET", path, token, null, null);
  }

  public Answer post(String path, String token, Object body) {
    return call("POST", path, token, "application/json", body == null ? null : body.toString());
  }

  public Answer patch(String path, String token, Object body) {
    return call("PATCH", path, token, "application/json", body.toString());
  }

  public Answer delete(String path, String token) {
    return call("DELETE", path, token, null, null);
  }

  public Account createAccount(String license) {
    Answer answer = post("/v1/accounts", adminToken,
        new JsonObject().put("name", "Test fleet").put("license", license));
    assertEquals(201, answer.status(), answer.text());
    return new Account(answer.json().getString("id"), answer.json().getString("apiKey"));
  }

  public Answer setLicense(String accountId, String license) {
    return patch("/v1/accounts/" + accountId, adminToken,
        new JsonObject().put("license", license));
  }

  /** Creates a webhook and returns it with its secret. */
  public JsonObject createWebhook(Account account, String url, String... events) {
    Answer answer = post("/v1/webhooks", account.apiKey(), new JsonObject()
        .put("url", url).put("events", new JsonArray(java.util.List.of((Object[]) events))));
    assertEquals(201, answer.status(), answer.text());
    return answer.json();
  }

  public static JsonObject printSuccess(String jobId) {
    return new JsonObject().put("event", "print.success").put("payload", new JsonObject()
        .put("jobId", jobId).put("printerToken", "printer_1")
        .put("timestamp", "2026-01-06T12:00:00Z"));
  }

  /** Sends an event and expects 202; returns the answer's body. */
  public JsonObject sendEvent(Account account, JsonObject event) {
    Answer answer = post("/v1/events", account.apiKey(), event);
    assertEquals(202, answer.status(), answer.text());
    return answer.json();
  }

  /** Polls a delivery until it satisfies the condition, or fails after the timeout. */
  public JsonObject awaitDelivery(Account account, String deliveryId,
      Predicate<JsonObject> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      Answer answer = get("/v1/deliveries/" + deliveryId, account.apiKey());
      if (answer.status() == 200) {
        last = answer.json();
        if (condition.test(last)) {
          return last;
        }
      }
      sleep(50);
    }
    throw new AssertionError("delivery " + deliveryId + " never reached the expected state; "
        + "last seen: " + last);
  }

  /** The deliveries of an event, as listed by GET /v1/events/{id}. */
  public JsonArray deliveriesOf(Account account, String eventId) {
    Answer answer = get("/v1/events/" + eventId, account.apiKey());
    assertEquals(200, answer.status(), answer.text());
    return answer.json().getJsonArray("deliveries");
  }

  /** Sends a print.success event and answers the id of its (first) delivery. */
  public String sendForDelivery(Account account, String jobId) {
    JsonObject accepted = sendEvent(account, printSuccess(jobId));
    return deliveriesOf(account, accepted.getString("id")).getJsonObject(0).getString("id");
  }

  /**
   * Waits until the list holds at least {@code count} items and returns it, or fails after
   * the timeout naming what was awaited.
   */
  public static <T> List<T> awaitAtLeast(Supplier<List<T>> list, int count, Duration timeout,
      String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<T> seen = list.get();
      if (seen.size() >= count) {
        return seen;
      }
      sleep(20);
    }
    throw new AssertionError("expected " + count + " " + what + ", got " + list.get().size());
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
