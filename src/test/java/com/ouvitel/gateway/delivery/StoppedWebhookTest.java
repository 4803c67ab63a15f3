package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Once a disable or a delete of a webhook is answered, this pod starts no attempt of it,
 * even when the dispatcher is busy: the answer waits until the dispatcher has dropped the
 * webhook's queued attempts. Here the dispatcher's event loop is held while an event is
 * accepted and then the webhook stopped, so that the hand-off of the event's delivery waits
 * ahead of the stop, as deliveries do under load.
 */
@DisplayName("A webhook stopped while the dispatcher is busy")
class StoppedWebhookTest {

  private static final long HOLD_MILLIS = 1500;

  private String jdbcUrl;
  private TestGateway gateway;
  private TestReceiver receiver;

  @BeforeEach
  void start() {
    String url = TestDatabase.freshDatabase();
    jdbcUrl = "jdbc:" + url.replace("postgres://postgres@", "postgresql://");
    gateway = TestGateway.start(Map.of("database_url", url));
    receiver = TestReceiver.http();
  }

  @AfterEach
  void stop() {
    gateway.close();
    receiver.close();
  }

  @Test
  @DisplayName("disabled: no attempt starts after the answer")
  void disabled() throws Exception {
    assertNoAttemptAfterTheAnswer((api, account) -> webhookId -> api.patch(
        "/v1/webhooks/" + webhookId, account.apiKey(), new JsonObject().put("enabled", false)),
        200);
  }

  @Test
  @DisplayName("deleted: no attempt starts after the answer")
  void deleted() throws Exception {
    assertNoAttemptAfterTheAnswer((api, account) -> webhookId -> api.delete(
        "/v1/webhooks/" + webhookId, account.apiKey()), 204);
  }

  private void assertNoAttemptAfterTheAnswer(
      BiFunction<Api, Account, Function<String, Answer>> stopping,
      int status) throws Exception {
    Api api = gateway.api;
    Account account = api.createAccount("premium");
    String webhookId = api.createWebhook(account, receiver.url("/stopped"), "all")
        .getString("id");
    api.sendEvent(account, Api.printSuccess("job_before_the_hold"));
    receiver.await("/stopped", 1, Duration.ofSeconds(10));

    gateway.gateway().dispatchContext().runOnContext(v -> Api.sleep(HOLD_MILLIS));
    api.sendEvent(account, Api.printSuccess("job_handed_off_during_the_hold"));
    Answer answer = stopping.apply(api, account).apply(webhookId);
    Instant answered = Instant.now();
    assertEquals(status, answer.status(), answer.text());

    Api.sleep(HOLD_MILLIS + 500);
    List<Instant> starts = attemptStarts(webhookId);
    assertFalse(starts.isEmpty(), "the first event's attempt was logged");
    for (Instant started : starts) {
      assertTrue(!started.isAfter(answered), "an attempt started at " + started
          + ", after the answer at " + answered + "; attempts: " + starts);
    }
  }

  private List<Instant> attemptStarts(String webhookId) throws Exception {
    try (Connection connection = DriverManager.getConnection(jdbcUrl);
        PreparedStatement query = connection.prepareStatement(
            "SELECT started_at FROM attempts WHERE webhook_id = ? ORDER BY started_at")) {
      query.setString(1, webhookId);
      List<Instant> starts = new ArrayList<>();
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          starts.add(rows.getTimestamp(1).toInstant());
        }
      }
      return starts;
    }
  }
}
