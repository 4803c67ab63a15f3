package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.HostileEndpoint;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import com.ouvitel.gateway.support.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deliveries to endpoints that stall, trickle, redirect, flood, refuse or break the
 * connection, under a 1 s deadline so that the suite stays short.
 */
@DisplayName("Delivery to a misbehaving endpoint")
class HostileEndpointDeliveryTest {

  private static final long TIMEOUT_MS = 1000;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static TestGateway gateway;
  private static HostileEndpoint hostile;
  private static TestReceiver trap;
  private static Api api;

  @BeforeAll
  static void start() {
    hostile = HostileEndpoint.http();
    trap = TestReceiver.http();
    gateway = TestGateway.start(Map.of(
        "delivery_timeout", TIMEOUT_MS + "ms",
        "retry_initial_delay", "300ms",
        "retry_max_retries", "1",
        "retry_after_cap", "4s",
        "circuit_failure_threshold", "1000",
        "trusted_ca_file", TestReceiver.resource("tls/ca.pem")));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    assertEquals(List.of(), trap.requests(), "no request ever reaches a redirect's target");
    hostile.close();
    trap.close();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/silent", "/headers-stall", "/trickle", "/continue-stall",
      "/slow/1600"})
  @DisplayName("ends each attempt as timeout at the deadline, closes it, and retries")
  void stalled_endpoint_times_out_at_the_deadline(String path) {
    Account account = api.createAccount("premium");
    api.createWebhook(account, hostile.url(path), "print.success");
    String deliveryId = api.sendForDelivery(account, "job_stall");

    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("failed"), WAIT);
    JsonArray attempts = delivery.getJsonArray("attempts");
    assertEquals(2, attempts.size(), "the first attempt and its one retry");
    for (Object a : attempts) {
      JsonObject attempt = (JsonObject) a;
      assertEquals("timeout", attempt.getString("result"), attempt.toString());
      long duration = attempt.getLong("durationMs");
      assertTrue(duration >= TIMEOUT_MS - 50, "ends at the deadline, not before: " + duration);
      assertTrue(duration <= TIMEOUT_MS + Timing.margin(300),
          "ends within the deadline + " + Timing.margin(300) + " ms: " + duration);
    }
    Instant firstEnd = Instant.parse(attempts.getJsonObject(0).getString("startedAt"))
        .plusMillis(attempts.getJsonObject(0).getLong("durationMs"));
    Instant second = Instant.parse(attempts.getJsonObject(1).getString("startedAt"));
    assertTrue(!second.isBefore(firstEnd.plusMillis(250)),
        "the retry was scheduled after the backoff: " + firstEnd + " then " + second);

    List<HostileEndpoint.Request> seen = hostile.requests(path);
    assertEquals(2, seen.size());
    assertNotEquals(seen.get(0).connection(), seen.get(1).connection(),
        "a timed-out connection is never reused");
    for (HostileEndpoint.Request request : seen) {
      HostileEndpoint.Connection connection = request.connection();
      assertTrue(HostileEndpoint.awaitClosed(connection, Duration.ofSeconds(5)),
          "the gateway closed the connection");
      long open = (connection.closedNanos - request.atNanos()) / 1_000_000;
      assertTrue(open <= TIMEOUT_MS + Timing.margin(300),
          "closed within the deadline of the request: " + open + " ms");
    }
  }

  @Test
  @DisplayName("records a redirect with its Location and never follows it")
  void redirect_is_recorded_not_followed() {
    Account account = api.createAccount("premium");
    String path = "/redirect/" + trap.url("/").split(":")[2].replace("/", "");
    api.createWebhook(account, hostile.url(path), "print.success");
    String deliveryId = api.sendForDelivery(account, "job_redirect");

    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("failed"), WAIT);
    JsonObject attempt = delivery.getJsonArray("attempts").getJsonObject(0);
    assertEquals("redirect", attempt.getString("result"));
    assertEquals(302, attempt.getInteger("statusCode"));
    assertTrue(attempt.getString("error").contains(trap.url("/trap")), attempt.toString());
    assertEquals(2, delivery.getInteger("attemptCount"), "a redirect is retried as a failure");
    Api.sleep(300);
    assertEquals(0, trap.requests().size(), "the Location was never contacted");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/huge/200", "/huge/500", "/endless/200", "/endless/503"})
  @DisplayName("reads a few KiB of a gigantic answer, drops the rest and counts its status")
  void huge_answers_cost_nothing_and_count_by_status(String path) {
    Account account = api.createAccount("premium");
    api.createWebhook(account, hostile.url(path), "print.success");
    String deliveryId = api.sendForDelivery(account, "job_huge");
    int status = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));

    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getJsonArray("attempts").size() >= 1, WAIT);
    JsonObject attempt = delivery.getJsonArray("attempts").getJsonObject(0);
    assertEquals(status == 200 ? "success" : "http_error", attempt.getString("result"));
    assertEquals(status, attempt.getInteger("statusCode"));
    assertTrue(attempt.getLong("durationMs") < TIMEOUT_MS,
        "ends on reaching the cap, not at the deadline: " + attempt);
    String snippet = attempt.getString("responseSnippet");
    assertTrue(snippet == null || snippet.length() <= 1024, "a short snippet is kept");

    HostileEndpoint.Connection connection = hostile.requests(path).get(0).connection();
    assertTrue(HostileEndpoint.awaitClosed(connection, Duration.ofSeconds(5)),
        "the gateway hung up on the flood");
    Api.sleep(200);
    long sent = connection.bytesSent.get();
    assertTrue(sent < 64L << 20, "the endpoint could push only " + sent + " bytes");
  }

  @Test
  @DisplayName("disables the webhook on 410 Gone with a reason and cancels what is pending")
  void gone_disables_the_webhook_and_cancels_pending() {
    Account account = api.createAccount("premium");
    JsonObject webhook = api.createWebhook(account,
        hostile.url("/retry-after-seconds/503/3"), "print.success");
    String webhookId = webhook.getString("id");
    String waiting = api.sendForDelivery(account, "job_waiting");
    api.awaitDelivery(account, waiting, d -> d.getInteger("attemptCount") == 1
        && d.getString("status").equals("pending"), WAIT);
    api.patch("/v1/webhooks/" + webhookId, account.apiKey(),
        new JsonObject().put("url", hostile.url("/status/410")));

    String gone = api.sendForDelivery(account, "job_gone");
    JsonObject goneDelivery = api.awaitDelivery(account, gone,
        d -> !d.getString("status").equals("pending"), WAIT);
    assertEquals("failed", goneDelivery.getString("status"));
    assertEquals(1, goneDelivery.getInteger("attemptCount"), "410 is never retried");
    assertEquals(410, goneDelivery.getJsonArray("attempts").getJsonObject(0)
        .getInteger("statusCode"));
    JsonObject after = awaitWebhook(account, webhookId, w -> !w.getBoolean("enabled"));
    assertNotNull(after.getString("disabledReason"));
    assertTrue(after.getString("disabledReason").contains("410"), after.toString());
    JsonObject cancelled = api.awaitDelivery(account, waiting,
        d -> d.getString("status").equals("cancelled"), WAIT);
    assertEquals(1, cancelled.getInteger("attemptCount"));

    int before = hostile.requests().size();
    api.sendEvent(account, Api.printSuccess("job_after_gone"));
    Api.sleep(4000);
    assertEquals(before, hostile.requests().size(), "a disabled webhook gets nothing more");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/retry-after-seconds/429/2", "/retry-after-date/503/3"})
  @DisplayName("waits at least the Retry-After of a 429 or 503 before the next attempt")
  void retry_after_delays_the_next_attempt(String path) {
    Account account = api.createAccount("premium");
    api.createWebhook(account, hostile.url(path), "print.success");
    String deliveryId = api.sendForDelivery(account, "job_later");

    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("failed"), WAIT);
    JsonArray attempts = delivery.getJsonArray("attempts");
    assertEquals(2, attempts.size());
    Instant first = Instant.parse(attempts.getJsonObject(0).getString("startedAt"));
    Instant second = Instant.parse(attempts.getJsonObject(1).getString("startedAt"));
    long gap = Duration.between(first, second).toMillis();
    assertTrue(gap >= 1900, "waited the Retry-After, not the 300 ms backoff: " + gap);
    assertTrue(gap <= 4000 + Timing.margin(1000), "waited no more than asked: " + gap);
  }

  @Test
  @DisplayName("caps a Retry-After that asks for an hour at the configured cap")
  void retry_after_is_capped() {
    Account account = api.createAccount("premium");
    api.createWebhook(account, hostile.url("/retry-after-seconds/503/3600"), "print.success");
    String deliveryId = api.sendForDelivery(account, "job_capped");

    JsonObject pending = api.awaitDelivery(account, deliveryId,
        d -> d.getInteger("attemptCount") == 1 && d.getString("nextAttemptAt") != null, WAIT);
    JsonObject attempt = pending.getJsonArray("attempts").getJsonObject(0);
    Instant started = Instant.parse(attempt.getString("startedAt"));
    long wait = Duration.between(started, Instant.parse(pending.getString("nextAttemptAt")))
        .toMillis();
    assertTrue(wait >= 3900 && wait <= 4000 + Timing.margin(300), "capped at 4 s: " + wait);
    JsonObject done = api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("failed"), WAIT);
    assertEquals(2, done.getInteger("attemptCount"));
  }

  @Test
  @DisplayName("counts a reset connection as connection_error and retries it")
  void reset_connection_is_a_connection_error() {
    try (HostileEndpoint resetting = HostileEndpoint.resetting()) {
      Account account = api.createAccount("premium");
      api.createWebhook(account, resetting.url("/reset"), "print.success");
      String deliveryId = api.sendForDelivery(account, "job_reset");

      JsonObject delivery = api.awaitDelivery(account, deliveryId,
          d -> d.getString("status").equals("failed"), WAIT);
      JsonArray attempts = delivery.getJsonArray("attempts");
      assertEquals(2, attempts.size());
      for (Object a : attempts) {
        assertEquals("connection_error", ((JsonObject) a).getString("result"), a.toString());
        assertTrue(((JsonObject) a).getLong("durationMs") < TIMEOUT_MS);
      }
    }
  }

  @Test
  @DisplayName("never fails a delivery because the endpoint closed an idle kept-alive socket")
  void keep_alive_reuse_survives_idle_closes() {
    try (HostileEndpoint closing = HostileEndpoint.closingIdleAfter(Duration.ofMillis(200))) {
      Account account = api.createAccount("premium");
      api.createWebhook(account, closing.url("/status/204"), "print.success");
      int deliveries = 24;
      for (int i = 0; i < deliveries; i++) {
        String deliveryId = api.sendForDelivery(account, "job_idle_" + i);
        JsonObject delivery = api.awaitDelivery(account, deliveryId,
            d -> !d.getString("status").equals("pending")
                || d.getInteger("attemptCount") > 0, WAIT);
        assertEquals("succeeded", delivery.getString("status"), delivery.toString());
        assertEquals(1, delivery.getInteger("attemptCount"), delivery.toString());
        // Land the next request close to the moment the endpoint drops the idle socket.
        Api.sleep(170 + (i % 6) * 10);
      }
      assertTrue(closing.connections().size() > 1, "the endpoint did close idle sockets");
      assertFalse(closing.requests().isEmpty());
    }
  }


  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"closed", "reset"})
  @DisplayName("sends again on a fresh connection when a reused one is closed unanswered")
  void a_reused_connection_closed_unanswered_is_sent_again(String how) {
    try (HostileEndpoint closing = how.equals("reset") ? HostileEndpoint.resetting()
        : HostileEndpoint.http()) {
      Account account = api.createAccount("premium");
      api.createWebhook(account, closing.url("/close-reused"), "print.success");
      for (int i = 0; i < 6; i++) {
        String deliveryId = api.sendForDelivery(account, "job_reused_" + i);
        JsonObject delivery = api.awaitDelivery(account, deliveryId,
            d -> d.getInteger("attemptCount") > 0, WAIT);
        assertEquals("succeeded", delivery.getString("status"), delivery.toString());
        assertEquals(1, delivery.getInteger("attemptCount"));
      }
      List<HostileEndpoint.Request> seen = closing.requests("/close-reused");
      assertTrue(seen.stream().anyMatch(r -> r.connection().requests.get() > 1),
          "some requests did meet a reused connection that was then " + how);
    }
  }

  private static JsonObject awaitWebhook(Account account, String id,
      java.util.function.Predicate<JsonObject> condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      last = api.get("/v1/webhooks/" + id, account.apiKey()).json();
      if (condition.test(last)) {
        return last;
      }
      Api.sleep(50);
    }
    throw new AssertionError("webhook never reached the expected state: " + last);
  }
}
