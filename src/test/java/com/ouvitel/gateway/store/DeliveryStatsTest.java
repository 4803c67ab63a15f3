package com.ouvitel.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.delivery.AttemptOutcome;
import com.ouvitel.gateway.delivery.AttemptResult;
import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Statistics against a known set of attempts: the attempts are written by the very
 * statement the persistence verticle uses, for deliveries that are not due (the dispatcher
 * leaves them alone), and read back through the API.
 */
@DisplayName("Webhook statistics")
class DeliveryStatsTest {

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

  /** One attempt to write: delivery, number, result, status code, duration, new status. */
  private record Attempt(String delivery, int number, String result, Integer code,
      int durationMs, String status) {
  }

  @Test
  @DisplayName("count deliveries, attempts by result and latency percentiles of a known set")
  void counts_a_known_set_of_attempts() {
    Account account = api.createAccount("premium");
    String webhook = webhookOf(account);
    Instant now = Instant.now();
    List<String> deliveries = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      deliveries.add(insertPendingDelivery(account, webhook, now.minusSeconds(600)));
    }
    List<Attempt> first = new ArrayList<>();
    // Eight delivered at once, in 40 ms (six of them) or 400 ms (two).
    for (int i = 0; i < 8; i++) {
      first.add(new Attempt(deliveries.get(i), 1, "success", 200, i < 6 ? 40 : 400,
          "succeeded"));
    }
    // Two fail with 500 first; one succeeds on its second attempt, one is given up.
    first.add(new Attempt(deliveries.get(8), 1, "http_error", 500, 30, "pending"));
    first.add(new Attempt(deliveries.get(9), 1, "http_error", 500, 30, "pending"));
    first.add(new Attempt(deliveries.get(10), 1, "timeout", null, 5000, "pending"));
    record(first, now.minusSeconds(300));
    record(List.of(
        new Attempt(deliveries.get(8), 2, "success", 204, 40, "succeeded"),
        new Attempt(deliveries.get(9), 2, "connection_error", null, 3, "failed")),
        now.minusSeconds(120));

    JsonObject stats = api.get("/v1/webhooks/" + webhook + "/stats?window=1h",
        account.apiKey()).json();

    assertEquals(9, stats.getLong("delivered"), stats.encode());
    assertEquals(1, stats.getLong("failed"));
    assertEquals(2, stats.getLong("pending"), "delivery 10 waits for a retry, 11 is new");
    assertEquals(0.9, stats.getDouble("successRate"), 1e-9);
    assertEquals(new JsonObject().put("success", 9L).put("http_error", 2L)
        .put("timeout", 1L).put("connection_error", 1L),
        stats.getJsonObject("attemptsByResult"));
    JsonObject latency = stats.getJsonObject("latencyMs");
    assertBetween(40, 50, latency.getInteger("p50"));
    assertBetween(400, 500, latency.getInteger("p95"));
    assertBetween(400, 500, latency.getInteger("p99"));
    JsonArray series = stats.getJsonArray("series");
    assertEquals(12, series.size(), "one point every 5 minutes of the hour");
    long successful = 0;
    long failedAttempts = 0;
    for (int i = 0; i < series.size(); i++) {
      successful += series.getJsonObject(i).getLong("successfulAttempts");
      failedAttempts += series.getJsonObject(i).getLong("failedAttempts");
    }
    assertEquals(9, successful);
    assertEquals(4, failedAttempts);
  }

  @Test
  @DisplayName("count an attempt written twice once")
  void counts_repeated_attempts_once() {
    Account account = api.createAccount("premium");
    String webhook = webhookOf(account);
    String delivery = insertPendingDelivery(account, webhook, Instant.now().minusSeconds(60));
    List<Attempt> once = List.of(new Attempt(delivery, 1, "success", 200, 12, "succeeded"));
    record(once, Instant.now().minusSeconds(30));
    record(once, Instant.now().minusSeconds(30));

    JsonObject stats = api.get("/v1/webhooks/" + webhook + "/stats?window=30d",
        account.apiKey()).json();

    assertEquals(1, stats.getLong("delivered"));
    assertEquals(1, stats.getJsonObject("attemptsByResult").getLong("success"));
    assertEquals(30, stats.getJsonArray("series").size());
  }

  @Test
  @DisplayName("refuse a window that is not 1h, 24h, 7d or 30d, naming it")
  void refuses_unknown_windows() {
    Account account = api.createAccount("premium");
    String webhook = webhookOf(account);

    Api.Answer answer = api.get("/v1/webhooks/" + webhook + "/stats?window=2d",
        account.apiKey());

    assertEquals(400, answer.status());
    assertTrue(answer.errorMessage().contains("window"), answer.errorMessage());
  }

  private static String webhookOf(Account account) {
    return api.createWebhook(account, "http://127.0.0.1:9/hook", "all").getString("id");
  }

  private static void assertBetween(int low, int high, int value) {
    assertTrue(value >= low && value <= high, value + " not in [" + low + ", " + high + "]");
  }

  /** A pending delivery not due for a day, so the dispatcher does not take it. */
  private static String insertPendingDelivery(Account account, String webhook,
      Instant time) {
    Instant at = time.truncatedTo(ChronoUnit.MILLIS);
    String event = Ids.next(Ids.EVENT, at);
    String delivery = Ids.next(Ids.DELIVERY, at);
    String created = "'" + at + "'";
    TestDatabase.queryValue("INSERT INTO events (id, created_at, account_id, event, body) "
        + "VALUES ('" + event + "', " + created + ", '" + account.id() + "', 'print.success', "
        + "'{}') RETURNING id");
    TestDatabase.queryValue("INSERT INTO deliveries (id, created_at, event_id, webhook_id, "
        + "account_id, event, status, next_attempt_at) VALUES ('" + delivery + "', "
        + created + ", '" + event + "', '" + webhook + "', '" + account.id() + "', "
        + "'print.success', "
        + "'pending', now() + interval '1 day') RETURNING id");
    return delivery;
  }

  private static void record(List<Attempt> attempts, Instant startedAt) {
    List<AttemptOutcome> outcomes = new ArrayList<>();
    for (Attempt attempt : attempts) {
      boolean pending = attempt.status().equals("pending");
      outcomes.add(new AttemptOutcome(attempt.delivery(),
          Ids.createdAt(Ids.DELIVERY, attempt.delivery()),
          (String) TestDatabase.queryValue("SELECT webhook_id FROM deliveries WHERE id = '"
              + attempt.delivery() + "'"),
          "print.success", attempt.number(), startedAt, attempt.durationMs(),
          AttemptResult.valueOf(attempt.result().toUpperCase(Locale.ROOT)), attempt.code(),
          null, null, attempt.status(), pending ? startedAt.plus(Duration.ofDays(1)) : null,
          null));
    }
    try {
      gateway.gateway().pool().preparedQuery(PipelineSql.RECORD_ATTEMPTS)
          .execute(PersistenceVerticle.attemptParams(outcomes)).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
