package com.ouvitel.gateway.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Rounds of real deliveries with known outcomes, for the metrics tests. One premium account
 * has a webhook for every event on /ok, one for print.failure on /flaky (its first answer
 * is a 500), one for print.success on /down (always 500). Each round sends three
 * print.success events (and one of them again, which delivers nothing twice) and a batch of
 * two print.failure events, and sends print.failure to a webhook on a closed port as well,
 * deleted at once so that its deliveries end cancelled. With one retry allowed a round ends
 * with print.success 3 succeeded and 3 failed, print.failure 4 succeeded and 2 cancelled.
 * The gateway runs on a database of its own ({@link #start}): deliveries other tests left
 * in the shared one would be claimed and counted too.
 */
public final class DeliveryTraffic {

  /**
   * Gateway settings that make a round end within seconds. The circuit of /down, which fails
   * every attempt, is kept from opening: its cool-down would hold the round's deliveries.
   */
  public static final Map<String, String> SETTINGS = Map.of(
      "retry_initial_delay", "3s", "retry_multiplier", "2", "retry_max_retries", "1",
      "circuit_failure_threshold", "1000");

  private final String database;
  private final TestGateway gateway;
  private final TestReceiver receiver;
  private final Api.Account account;
  private final List<String> secrets = new ArrayList<>();
  private final List<String> ids = new ArrayList<>();
  private int rounds;

  /** A gateway with {@link #SETTINGS} on a fresh database of its own. */
  public static TestGateway start(String database) {
    Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
    settings.put("database_url", database);
    return TestGateway.start(settings);
  }

  public DeliveryTraffic(String database, TestGateway gateway, TestReceiver receiver) {
    this.database = database;
    this.gateway = gateway;
    this.receiver = receiver.script("/flaky", 500, 200).script("/down", 500);
    this.account = gateway.api.createAccount("premium");
    secrets.add(account.apiKey());
    ids.add(account.id());
    webhook(receiver.url("/ok"), "all");
    webhook(receiver.url("/flaky"), "print.failure");
    webhook(receiver.url("/down"), "print.success");
  }

  /** Sends one round of events, and waits until every delivery of every round has ended. */
  public void round() {
    rounds++;
    String gone = webhook("http://127.0.0.1:" + closedPort() + "/gone", "print.failure");
    for (int i = 0; i < 3; i++) {
      JsonObject event = Api.printSuccess("job_" + rounds + "_" + i);
      if (i == 0) {
        event.put("id", "fleet-" + UUID.randomUUID());
        gateway.api.sendEvent(account, event);
      }
      ids.add(gateway.api.sendEvent(account, event).getString("id"));
    }
    JsonArray batch = new JsonArray().add(printFailure(rounds + "_a"))
        .add(printFailure(rounds + "_b"));
    Api.Answer answer = gateway.api.post("/v1/events/batch", account.apiKey(),
        new JsonObject().put("events", batch));
    assertEquals(202, answer.status(), answer.text());
    assertEquals(204, gateway.api.delete("/v1/webhooks/" + gone, account.apiKey()).status());
    awaitSettled(Duration.ofSeconds(60));
  }

  public int rounds() {
    return rounds;
  }

  /** Deliveries of this account by "event/status", from PostgreSQL. */
  public Map<String, Long> deliveriesByOutcome() {
    return TestDatabase.counts(database, "SELECT event || '/' || status, count(*) FROM deliveries"
        + " WHERE account_id = '" + account.id() + "' GROUP BY 1");
  }

  /** Attempts of this account's deliveries by "event/result", from PostgreSQL. */
  public Map<String, Long> attemptsByResult() {
    return TestDatabase.counts(database, "SELECT d.event || '/' || a.result, count(*)"
        + " FROM attempts a"
        + " JOIN deliveries d ON d.id = a.delivery_id AND d.created_at = a.delivery_created_at"
        + " WHERE d.account_id = '" + account.id() + "' GROUP BY 1");
  }

  /** The API key, the webhook secrets and every id this traffic created. */
  public List<String> secretsAndIds() {
    List<String> all = new ArrayList<>(secrets);
    all.addAll(ids);
    all.addAll(TestDatabase.counts(database, "SELECT id, 0 FROM deliveries WHERE account_id = '"
        + account.id() + "'").keySet());
    return all;
  }

  private String webhook(String url, String event) {
    JsonObject webhook = gateway.api.createWebhook(account, url, event);
    secrets.add(webhook.getString("secret"));
    ids.add(webhook.getString("id"));
    return webhook.getString("id");
  }

  private void awaitSettled(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pending() > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(pending() + " deliveries still pending after " + timeout);
      }
      Api.sleep(100);
    }
  }

  private long pending() {
    return (Long) TestDatabase.queryValue(database,
        "SELECT count(*) FROM deliveries WHERE account_id = '" + account.id()
            + "' AND status = 'pending'");
  }

  private static JsonObject printFailure(String jobId) {
    return new JsonObject().put("event", "print.failure").put("payload", new JsonObject()
        .put("jobId", "job_" + jobId).put("printerToken", "printer_1")
        .put("timestamp", "2026-01-06T12:00:00Z"));
  }

  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
