package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.HostileEndpoint;
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

/**
 * One endpoint's trouble stays its own: a cap on its attempts in flight and a circuit
 * breaker keep it from slowing the others or burning its deliveries' attempts.
 */
@DisplayName("Endpoint isolation")
class EndpointIsolationTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int CONCURRENCY = 4;
  private static final int THRESHOLD = 3;
  private static final long COOL_DOWN_MS = 1500;

  private static TestGateway gateway;
  private static HostileEndpoint stalled;
  private static TestReceiver healthy;
  private static Api api;

  @BeforeAll
  static void start() {
    stalled = HostileEndpoint.http();
    healthy = TestReceiver.http();
    gateway = TestGateway.start(Map.of(
        "delivery_timeout", "1s",
        "endpoint_max_concurrency", Integer.toString(CONCURRENCY),
        "circuit_failure_threshold", Integer.toString(THRESHOLD),
        "circuit_cool_down", COOL_DOWN_MS + "ms",
        "retry_initial_delay", "1s",
        "retry_max_retries", "5"));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    stalled.close();
    healthy.close();
  }

  @Test
  @DisplayName("keeps delivering promptly to a healthy endpoint while another one stalls "
      + "with thousands of deliveries queued")
  void a_stalled_endpoint_does_not_slow_a_healthy_one() {
    Account stalling = api.createAccount("premium");
    api.createWebhook(stalling, stalled.url("/silent"), "print.success");
    Account fine = api.createAccount("premium");
    api.createWebhook(fine, healthy.url("/healthy"), "print.success");
    for (int batch = 0; batch < 20; batch++) {
      sendBatch(stalling, 100, "stall_" + batch);
    }

    List<Long> latencies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      long sent = System.nanoTime();
      api.sendEvent(fine, Api.printSuccess("job_healthy_" + i));
      healthy.await("/healthy", i + 1, WAIT);
      latencies.add((System.nanoTime() - sent) / 1_000_000);
      Api.sleep(100);
    }
    latencies.sort(null);
    assertTrue(latencies.get(latencies.size() - 1) < 2000,
        "every healthy delivery arrived within 2 s (generous; a stalled attempt takes 1 s): "
            + latencies);
    int maxOpen = stalled.connections().size();
    assertTrue(stalled.requests("/silent").size() <= 2 * THRESHOLD + 2 * CONCURRENCY,
        "the open circuit stopped hammering the stalled endpoint: "
            + stalled.requests("/silent").size() + " requests on " + maxOpen + " connections");
  }

  @Test
  @DisplayName("opens the circuit after consecutive failures, defers without spending "
      + "attempts, probes once after the cool-down and closes on success")
  void circuit_opens_defers_probes_and_closes() {
    Account account = api.createAccount("premium");
    TestReceiver flaky = TestReceiver.http();
    try {
      flaky.script("/flaky", 503, 503, 503, 200);
      api.createWebhook(account, flaky.url("/flaky"), "print.success");
      // One failure at a time, so that the third one opens the circuit with nothing else
      // in flight; the retries (1 s later) find it open.
      List<String> deliveries = new ArrayList<>();
      for (int i = 0; i < THRESHOLD; i++) {
        String id = api.sendForDelivery(account, "job_circuit_" + i);
        api.awaitDelivery(account, id, d -> d.getInteger("attemptCount") == 1, WAIT);
        deliveries.add(id);
      }
      for (int i = THRESHOLD; i < 8; i++) {
        deliveries.add(api.sendForDelivery(account, "job_circuit_" + i));
      }
      int attempts = 0;
      for (String id : deliveries) {
        JsonObject delivery = api.awaitDelivery(account, id,
            d -> d.getString("status").equals("succeeded"), WAIT);
        attempts += delivery.getInteger("attemptCount");
      }
      List<TestReceiver.Request> seen = flaky.requests("/flaky");
      assertEquals(THRESHOLD + deliveries.size(), seen.size(),
          "three failures, then one success per delivery: " + seen.size());
      assertEquals(seen.size(), attempts,
          "deferrals while the circuit was open spent no attempts");
      long rest = Duration.between(seen.get(THRESHOLD - 1).at(), seen.get(THRESHOLD).at())
          .toMillis();
      assertTrue(rest >= COOL_DOWN_MS - 100,
          "no request while the circuit was open; the probe came after " + rest + " ms");
    } finally {
      flaky.close();
    }
  }

  @Test
  @DisplayName("keeps one customer's broken hook from holding back another's on the same host")
  void a_circuit_belongs_to_one_url_not_to_its_host() {
    TestReceiver shared = TestReceiver.http();
    TestGateway patient = TestGateway.start(Map.of(
        "circuit_failure_threshold", Integer.toString(THRESHOLD),
        "circuit_cool_down", "60s",
        "retry_initial_delay", "100ms",
        "retry_max_retries", "5"));
    try {
      shared.script("/customer-a/broken", 500);
      Account broken = patient.api.createAccount("premium");
      patient.api.createWebhook(broken, shared.url("/customer-a/broken"), "print.success");
      patient.api.sendEvent(broken, Api.printSuccess("job_broken"));
      shared.await("/customer-a/broken", THRESHOLD, WAIT);
      Api.sleep(1000);
      int whileOpen = shared.requests("/customer-a/broken").size();

      Account healthy = patient.api.createAccount("premium");
      patient.api.createWebhook(healthy, shared.url("/customer-b/fine"), "print.success");
      patient.api.sendEvent(healthy, Api.printSuccess("job_fine"));

      shared.await("/customer-b/fine", 1, Duration.ofSeconds(10));
      assertEquals(whileOpen, shared.requests("/customer-a/broken").size(),
          "the broken hook's circuit stayed open meanwhile");
      assertTrue(whileOpen < 6, "the circuit opened before the retries ran out: " + whileOpen);
    } finally {
      patient.close();
      shared.close();
    }
  }

  @Test
  @DisplayName("shows the open circuit on every webhook of that URL, and closed once the "
      + "probe succeeds")
  void shows_the_circuit_on_the_webhook() {
    Account account = api.createAccount("premium");
    Account other = api.createAccount("premium");
    TestReceiver flaky = TestReceiver.http();
    try {
      flaky.script("/shown", 503, 503, 503, 200);
      String id = api.createWebhook(account, flaky.url("/shown"), "print.success")
          .getString("id");
      String sameUrl = api.createWebhook(other, flaky.url("/shown"), "printer.offline")
          .getString("id");
      assertEquals("closed", circuit(account, id).getString("state"));
      List<String> deliveries = new ArrayList<>();
      for (int i = 0; i < THRESHOLD; i++) {
        deliveries.add(api.sendForDelivery(account, "job_shown_" + i));
      }
      flaky.await("/shown", THRESHOLD, WAIT);

      JsonObject open = awaitCircuit(account, id, "open");
      assertEquals(THRESHOLD, open.getInteger("failuresInARow"));
      Instant openedAt = Instant.parse(open.getString("openedAt"));
      assertTrue(Instant.parse(open.getString("openUntil")).isAfter(openedAt),
          "the cool-down ends after the opening: " + open);
      assertEquals("open", circuit(other, sameUrl).getString("state"),
          "the circuit belongs to the URL, so another account's webhook on it shows it too");
      JsonObject created = api.createWebhook(api.createAccount("premium"),
          flaky.url("/shown"), "printer.online");
      assertEquals("open", created.getJsonObject("circuit").getString("state"),
          "a webhook created on that URL answers its circuit at once: " + created);
      JsonObject listed = api.get("/v1/webhooks", account.apiKey()).json()
          .getJsonArray("data").getJsonObject(0);
      assertEquals("open", listed.getJsonObject("circuit").getString("state"));

      for (String delivery : deliveries) {
        api.awaitDelivery(account, delivery, d -> d.getString("status").equals("succeeded"),
            WAIT);
      }
      JsonObject closed = awaitCircuit(account, id, "closed");
      assertEquals(1, closed.size(), "a closed circuit has nothing else to say: " + closed);
      assertEquals("closed", circuit(other, sameUrl).getString("state"));
    } finally {
      flaky.close();
    }
  }

  @Test
  @DisplayName("holds an endpoint's deliveries on every pod once one pod opened its circuit, "
      + "and a success on any pod closes it")
  void an_open_circuit_holds_on_every_pod() {
    TestReceiver flaky = TestReceiver.http();
    Map<String, String> settings = Map.of("circuit_failure_threshold",
        Integer.toString(THRESHOLD), "circuit_cool_down", "6s", "retry_initial_delay", "1s");
    TestGateway first = TestGateway.start(settings);
    // Same database, no failure of its own counted: like another pod, or a restarted one.
    TestGateway other = TestGateway.start(Map.of("circuit_cool_down", "6s"));
    try {
      flaky.script("/everywhere", 503, 503, 503, 200);
      Account account = first.api.createAccount("premium");
      String id = first.api.createWebhook(account, flaky.url("/everywhere"), "print.success")
          .getString("id");
      for (int i = 0; i < THRESHOLD; i++) {
        first.api.sendForDelivery(account, "job_everywhere_" + i);
      }
      flaky.await("/everywhere", THRESHOLD, WAIT);
      Instant openUntil = Instant.parse(awaitCircuit(account, id, "open")
          .getString("openUntil"));
      Api.sleep(1500);

      String held = other.api.sendForDelivery(account, "job_other_pod");
      JsonObject delivered = other.api.awaitDelivery(account, held,
          d -> d.getString("status").equals("succeeded"), WAIT);
      TestReceiver.Request sent = flaky.byDelivery("/everywhere").get(held).get(0);
      assertTrue(!sent.at().isBefore(openUntil.minusMillis(100)),
          "the other pod held the delivery until " + openUntil + ", sent at " + sent.at());
      assertEquals(1, delivered.getInteger("attemptCount"), "holding spent no attempt");
      assertEquals("closed", awaitCircuit(account, id, "closed").getString("state"));
    } finally {
      other.close();
      first.close();
      flaky.close();
    }
  }

  private static JsonObject circuit(Account account, String webhookId) {
    Api.Answer answer = api.get("/v1/webhooks/" + webhookId, account.apiKey());
    assertEquals(200, answer.status(), answer.text());
    return answer.json().getJsonObject("circuit");
  }

  private static JsonObject awaitCircuit(Account account, String webhookId, String state) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject circuit = circuit(account, webhookId);
    while (!circuit.getString("state").equals(state) && System.nanoTime() < deadline) {
      Api.sleep(50);
      circuit = circuit(account, webhookId);
    }
    assertEquals(state, circuit.getString("state"), "the circuit of " + webhookId);
    return circuit;
  }

  private static void sendBatch(Account account, int size, String prefix) {
    JsonArray events = new JsonArray();
    for (int i = 0; i < size; i++) {
      events.add(Api.printSuccess(prefix + "_" + i));
    }
    Api.Answer answer = api.post("/v1/events/batch", account.apiKey(),
        new JsonObject().put("events", events));
    assertEquals(202, answer.status(), answer.text());
  }
}
