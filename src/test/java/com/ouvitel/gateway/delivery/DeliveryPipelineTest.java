package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Signatures;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The delivery pipeline")
class DeliveryPipelineTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static TestReceiver httpsReceiver;
  private static Api api;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    httpsReceiver = TestReceiver.https();
    gateway = TestGateway.start(Map.of(
        "retry_max_retries", "2",
        "trusted_ca_file", TestReceiver.resource("tls/ca.pem")));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
    httpsReceiver.close();
  }

  @Test
  @DisplayName("delivers a signed POST over HTTPS with every header of the contract")
  void delivers_signed_https_post_with_headers() {
    Account account = api.createAccount("premium");
    JsonObject webhook = api.createWebhook(account, httpsReceiver.url("/signed"),
        "print.success");
    String secret = webhook.getString("secret");
    assertTrue(secret.matches("whsec_[A-Za-z0-9+/]{43}="), secret);

    Instant before = Instant.now();
    JsonObject accepted = api.sendEvent(account, Api.printSuccess("job_123456"));
    assertEquals(1, accepted.getInteger("deliveries"));
    TestReceiver.Request request = httpsReceiver.await("/signed", 1, WAIT).get(0);
    // A generous margin: the point is "at once, not after a poll or retry", on a busy CI box.
    assertTrue(Duration.between(before, request.at()).toMillis() < 10_000,
        "delivered at once");

    assertEquals("{\"event\":\"print.success\",\"payload\":{\"jobId\":\"job_123456\","
        + "\"printerToken\":\"printer_1\",\"timestamp\":\"2026-01-06T12:00:00Z\"},"
        + "\"timestamp\":\"2026-01-06T12:00:00Z\"}", request.text());
    assertEquals("application/json", request.header("Content-Type"));
    assertTrue(request.header("User-Agent").startsWith("OuViTel-Webhooks/"));
    assertEquals("print.success", request.header("X-Ouvitel-Event"));
    assertEquals("1", request.header("X-Ouvitel-Attempt"));
    String deliveryId = request.header("X-Ouvitel-Delivery");
    assertTrue(deliveryId.startsWith("dlv_"));
    assertEquals(Signatures.ouvitel(secret, request.body()),
        request.header("X-Ouvitel-Signature"));
    String timestamp = request.header("X-Ouvitel-Timestamp");
    assertTrue(Math.abs(Long.parseLong(timestamp) - Instant.now().getEpochSecond()) < 10);
    assertEquals(deliveryId, request.header("webhook-id"));
    assertEquals(timestamp, request.header("webhook-timestamp"));
    assertEquals(Signatures.standard(secret, deliveryId, timestamp, request.body()),
        request.header("webhook-signature"));
  }

  @Test
  @DisplayName("fans an event out to every enabled webhook that subscribes to its type")
  void fans_out_by_event_filter() {
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/fan/success"), "print.success");
    api.createWebhook(account, receiver.url("/fan/all"), "all");
    api.createWebhook(account, receiver.url("/fan/offline"), "printer.offline");
    JsonObject disabled = api.createWebhook(account, receiver.url("/fan/disabled"), "all");
    api.patch("/v1/webhooks/" + disabled.getString("id"), account.apiKey(),
        new JsonObject().put("enabled", false));

    JsonObject accepted = api.sendEvent(account, Api.printSuccess("job_fan"));
    assertEquals(2, accepted.getInteger("deliveries"));
    receiver.await("/fan/success", 1, WAIT);
    receiver.await("/fan/all", 1, WAIT);

    JsonObject offline = new JsonObject().put("event", "printer.offline").put("payload",
        new JsonObject().put("printerToken", "p9").put("timestamp", "2026-01-06T12:00:00Z"));
    assertEquals(2, api.sendEvent(account, offline).getInteger("deliveries"));
    receiver.await("/fan/offline", 1, WAIT);
    receiver.await("/fan/all", 2, WAIT);
    Api.sleep(300);
    assertEquals(1, receiver.requests("/fan/success").size());
    assertEquals(0, receiver.requests("/fan/disabled").size());
  }

  @Test
  @DisplayName("retries a failing endpoint with backoff and logs every attempt")
  void retries_until_success_and_logs_attempts() {
    Account account = api.createAccount("premium");
    receiver.script("/flaky", 500, 500, 200);
    api.createWebhook(account, receiver.url("/flaky"), "print.success");

    JsonObject accepted = api.sendEvent(account, Api.printSuccess("job_flaky"));
    String deliveryId = api.deliveriesOf(account, accepted.getString("id"))
        .getJsonObject(0).getString("id");
    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("succeeded"), WAIT);

    assertEquals(3, delivery.getInteger("attemptCount"));
    JsonArray attempts = delivery.getJsonArray("attempts");
    assertEquals(3, attempts.size());
    assertEquals(List.of("http_error", "http_error", "success"), attempts.stream()
        .map(a -> ((JsonObject) a).getString("result")).collect(Collectors.toList()));
    JsonObject first = attempts.getJsonObject(0);
    assertEquals(1, first.getInteger("number"));
    assertEquals(500, first.getInteger("statusCode"));
    assertEquals("answer 500", first.getString("responseSnippet"));
    assertNotNull(first.getString("startedAt"));
    assertTrue(first.getInteger("durationMs") >= 0);
    assertEquals(200, attempts.getJsonObject(2).getInteger("statusCode"));
    assertNotNull(delivery.getString("completedAt"));
    assertTrue(delivery.getString("body").contains("job_flaky"));

    List<TestReceiver.Request> seen = receiver.requests("/flaky");
    assertEquals(3, seen.size());
    assertEquals(Set.of(deliveryId), seen.stream().map(r -> r.header("X-Ouvitel-Delivery"))
        .collect(Collectors.toSet()), "the delivery id is stable across retries");
    assertEquals(List.of("1", "2", "3"), seen.stream()
        .map(r -> r.header("X-Ouvitel-Attempt")).collect(Collectors.toList()));
    assertTrue(seen.stream().allMatch(r -> r.text().equals(seen.get(0).text())),
        "every attempt sends the same bytes");
    long firstGap = Duration.between(seen.get(0).at(), seen.get(1).at()).toMillis();
    long secondGap = Duration.between(seen.get(1).at(), seen.get(2).at()).toMillis();
    assertTrue(firstGap >= 190, "first retry waits the initial delay, waited " + firstGap);
    assertTrue(secondGap >= 380, "second retry waits twice as long, waited " + secondGap);
  }

  @Test
  @DisplayName("ends a delivery failed once its retries are spent")
  void fails_after_max_retries() {
    Account account = api.createAccount("premium");
    receiver.script("/broken", 503);
    api.createWebhook(account, receiver.url("/broken"), "print.success");

    JsonObject accepted = api.sendEvent(account, Api.printSuccess("job_broken"));
    String deliveryId = api.deliveriesOf(account, accepted.getString("id"))
        .getJsonObject(0).getString("id");
    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("failed"), WAIT);

    assertEquals(3, delivery.getInteger("attemptCount"), "1 attempt + 2 retries");
    assertNull(delivery.getString("nextAttemptAt"));
    Api.sleep(800);
    assertEquals(3, receiver.requests("/broken").size(), "no attempt after failing");
  }

  @Test
  @DisplayName("classifies refused connections and redirects, never following them")
  void classifies_connection_errors_and_redirects() {
    Account account = api.createAccount("premium");
    receiver.script("/moved", 302);
    api.createWebhook(account, receiver.url("/moved"), "print.failure");
    api.createWebhook(account, "http://127.0.0.1:1/nothing-listens", "print.failure");
    JsonObject failure = new JsonObject().put("event", "print.failure").put("payload",
        new JsonObject().put("jobId", "j").put("printerToken", "p")
            .put("timestamp", "2026-01-06T12:00:00Z").put("reason", "paper jam"));

    JsonObject accepted = api.sendEvent(account, failure);
    JsonArray deliveries = api.deliveriesOf(account, accepted.getString("id"));
    assertEquals(2, deliveries.size());
    Map<String, String> resultByWebhookUrl = new java.util.HashMap<>();
    for (Object d : deliveries) {
      JsonObject done = api.awaitDelivery(account, ((JsonObject) d).getString("id"),
          x -> x.getJsonArray("attempts").size() >= 1, WAIT);
      JsonObject attempt = done.getJsonArray("attempts").getJsonObject(0);
      resultByWebhookUrl.put(attempt.getString("result"), attempt.getString("error"));
    }
    assertTrue(resultByWebhookUrl.containsKey("redirect"), resultByWebhookUrl.toString());
    assertTrue(resultByWebhookUrl.containsKey("connection_error"),
        resultByWebhookUrl.toString());
  }
}
