package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.HostileEndpoint;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stopping, retrying and replaying deliveries through the API. */
@DisplayName("Control over deliveries")
class DeliveryControlTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static HostileEndpoint slow;
  private static Api api;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    slow = HostileEndpoint.http();
    gateway = TestGateway.start(Map.of("retry_max_retries", "0",
        "endpoint_max_concurrency", "1", "delivery_timeout", "2s"));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
    slow.close();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"delete", "disable"})
  @DisplayName("stops a webhook's deliveries at once when it is deleted or disabled")
  void stopping_a_webhook_drops_its_queued_deliveries(String how) {
    Account account = api.createAccount("premium");
    String path = "/slow/700/" + how;
    String webhookId = api.createWebhook(account, slow.url(path), "print.success")
        .getString("id");
    List<String> deliveries = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      deliveries.add(api.sendForDelivery(account, "job_" + how + "_" + i));
    }
    slow.await(path, 1, WAIT);
    Api.Answer stopped = how.equals("delete")
        ? api.delete("/v1/webhooks/" + webhookId, account.apiKey())
        : api.patch("/v1/webhooks/" + webhookId, account.apiKey(),
            new JsonObject().put("enabled", false));
    assertEquals(how.equals("delete") ? 204 : 200, stopped.status(), stopped.text());
    int atStop = slow.requests(path).size();
    Api.sleep(2500);
    assertTrue(slow.requests(path).size() <= atStop + 1,
        "at most the attempt starting at that instant: " + slow.requests(path).size());
    if (how.equals("disable")) {
      int cancelled = 0;
      for (String id : deliveries) {
        JsonObject delivery = api.get("/v1/deliveries/" + id, account.apiKey()).json();
        cancelled += delivery.getString("status").equals("cancelled") ? 1 : 0;
      }
      assertTrue(cancelled >= deliveries.size() - 2, cancelled + " cancelled");
    }
  }

  @Test
  @DisplayName("never sends a claimed delivery whose webhook was disabled meanwhile")
  void claims_skip_and_cancel_deliveries_of_disabled_webhooks() {
    Account account = api.createAccount("premium");
    receiver.script("/claimed", 500);
    String webhookId = api.createWebhook(account, receiver.url("/claimed"), "print.success")
        .getString("id");
    String id = api.sendForDelivery(account, "job_claimed");
    api.awaitDelivery(account, id, d -> d.getString("status").equals("failed"), WAIT);
    // As if a disable on another pod raced a claim: the webhook is off, the delivery due.
    TestDatabase.queryValue("UPDATE webhooks SET enabled = false WHERE id = '" + webhookId
        + "' RETURNING id");
    TestDatabase.queryValue("UPDATE deliveries SET status = 'pending', next_attempt_at = "
        + "now(), completed_at = NULL WHERE id = '" + id + "' RETURNING id");

    JsonObject delivery = api.awaitDelivery(account, id,
        d -> d.getString("status").equals("cancelled"), WAIT);
    assertEquals(1, delivery.getInteger("attemptCount"));
    assertEquals(1, receiver.requests("/claimed").size(), "nothing more was sent");
  }

  @Test
  @DisplayName("delivers again at once when a disabled webhook is enabled again")
  void enabling_again_resumes_deliveries() {
    Account account = api.createAccount("premium");
    String webhookId = api.createWebhook(account, receiver.url("/resumed"), "print.success")
        .getString("id");
    api.patch("/v1/webhooks/" + webhookId, account.apiKey(),
        new JsonObject().put("enabled", false));
    api.patch("/v1/webhooks/" + webhookId, account.apiKey(),
        new JsonObject().put("enabled", true));
    long sent = System.nanoTime();
    api.sendEvent(account, Api.printSuccess("job_resumed"));
    receiver.await("/resumed", 1, WAIT);
    assertTrue((System.nanoTime() - sent) / 1_000_000 < 5000, "no leftover stop delays it");
  }

  @Test
  @DisplayName("retries a failed delivery once more on POST /v1/deliveries/{id}/retry")
  void manual_retry_makes_one_more_attempt() {
    Account account = api.createAccount("premium");
    receiver.script("/retry-me", 500, 200);
    api.createWebhook(account, receiver.url("/retry-me"), "print.success");
    String id = api.sendForDelivery(account, "job_retry");
    api.awaitDelivery(account, id, d -> d.getString("status").equals("failed"), WAIT);

    Api.Answer answer = api.post("/v1/deliveries/" + id + "/retry", account.apiKey(), null);
    assertEquals(202, answer.status(), answer.text());
    assertEquals(id, answer.json().getString("id"));
    assertEquals("pending", answer.json().getString("status"));
    JsonObject delivery = api.awaitDelivery(account, id,
        d -> d.getString("status").equals("succeeded"), WAIT);
    assertEquals(2, delivery.getInteger("attemptCount"));
    assertEquals(2, receiver.requests("/retry-me").size());

    Account other = api.createAccount("premium");
    Api.Answer foreign = api.post("/v1/deliveries/" + id + "/retry", other.apiKey(), null);
    assertEquals(404, foreign.status(), "another account's delivery does not exist for it");
    assertEquals(404, api.post("/v1/deliveries/dlv_nothing/retry", account.apiKey(), null)
        .status());
  }

  @Test
  @DisplayName("replays the failed deliveries of a window on POST /v1/webhooks/{id}/replay")
  void replay_resends_failed_deliveries_of_the_window() {
    Account account = api.createAccount("premium");
    receiver.script("/replayed", 500, 500, 500, 200);
    String webhookId = api.createWebhook(account, receiver.url("/replayed"), "print.success")
        .getString("id");
    Instant since = Instant.now().minusSeconds(1);
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      failed.add(api.sendForDelivery(account, "job_replay_" + i));
    }
    for (String id : failed) {
      api.awaitDelivery(account, id, d -> d.getString("status").equals("failed"), WAIT);
    }
    String later = api.sendForDelivery(account, "job_after_window");
    api.awaitDelivery(account, later, d -> d.getString("status").equals("succeeded"), WAIT);

    Api.Answer answer = api.post("/v1/webhooks/" + webhookId + "/replay", account.apiKey(),
        new JsonObject().put("since", since.toString())
            .put("until", Instant.now().toString()));
    assertEquals(202, answer.status(), answer.text());
    assertEquals(3, answer.json().getInteger("deliveries"));
    for (String id : failed) {
      JsonObject delivery = api.awaitDelivery(account, id,
          d -> d.getString("status").equals("succeeded"), WAIT);
      assertEquals(2, delivery.getInteger("attemptCount"));
    }
    assertEquals(7, receiver.requests("/replayed").size(), "3 failures, 1 success, 3 replays");

    Account other = api.createAccount("premium");
    assertEquals(404, api.post("/v1/webhooks/" + webhookId + "/replay", other.apiKey(),
        new JsonObject().put("since", since.toString())).status());
  }

  @Test
  @DisplayName("refuses a replay with a 4xx naming the bad field")
  void replay_validates_its_input() {
    Account account = api.createAccount("premium");
    String webhookId = api.createWebhook(account, receiver.url("/v"), "print.success")
        .getString("id");
    String path = "/v1/webhooks/" + webhookId + "/replay";
    assertField(api.post(path, account.apiKey(), new JsonObject()), "since");
    assertField(api.post(path, account.apiKey(), new JsonObject().put("since", "yesterday")),
        "since");
    assertField(api.post(path, account.apiKey(), new JsonObject()
        .put("since", "2026-01-02T00:00:00Z").put("until", "2026-01-01T00:00:00Z")), "since");
    assertField(api.post(path, account.apiKey(), new JsonObject()
        .put("since", "2026-01-01T00:00:00Z").put("until", 5)), "until");
    Api.Answer unknown = api.post(path, account.apiKey(), new JsonObject()
        .put("since", "2026-01-01T00:00:00Z").put("status", "failed"));
    assertEquals(400, unknown.status(), unknown.text());
    assertTrue(unknown.errorMessage().contains("status"), unknown.text());
  }

  private static void assertField(Api.Answer answer, String field) {
    assertEquals(400, answer.status(), answer.text());
    assertTrue(answer.errorMessage().contains(field), answer.text());
  }
}
