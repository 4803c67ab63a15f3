package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.FleetLoad;
import com.ouvitel.gateway.support.FleetLoad.Answer;
import com.ouvitel.gateway.support.GatewayProcess;
import com.ouvitel.gateway.support.TestReceiver;
import com.ouvitel.gateway.support.ThrowawayPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PostgreSQL restarted under load")
class DatabaseRestartTest {

  private TestReceiver receiver;
  private ThrowawayPostgres postgres;
  private Pods pods;

  @BeforeEach
  void start() {
    receiver = TestReceiver.http();
    postgres = ThrowawayPostgres.start();
  }

  @AfterEach
  void stop() {
    if (pods != null) {
      pods.close();
    }
    receiver.close();
    postgres.close();
  }

  @Test
  @DisplayName("makes ingest answer 503 with Retry-After and readiness false, never hang or "
      + "500; the pods recover by themselves and deliver every acknowledged event")
  void ingest_refuses_during_the_outage_and_recovers() {
    pods = new Pods(postgres.url(), Map.of("lease_duration", "10s"));
    List<GatewayProcess> two = pods.start("pg-a", "pg-b");
    Api api = two.get(0).api;
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/outage"), "print.success");

    FleetLoad fleet = new FleetLoad(account.apiKey(), "outage", 10, 2000, Pods.targets(two))
        .start(4, Duration.ofSeconds(60));
    while (fleet.acknowledged().size() < 600) {
      Api.sleep(20);
    }
    postgres.pause();
    long downAt = fleet.clock();
    Api.sleep(1500);
    int readinessDuringOutage = two.get(0).readiness();
    Api.sleep(1500);
    postgres.resume();
    long upAt = fleet.clock();
    fleet.await(Duration.ofSeconds(90));
    int readinessAfter = two.get(1).readiness();

    Received received = new Received(receiver, "/outage");
    Set<String> missing = received.awaitJobs(fleet.acknowledged(), Duration.ofSeconds(60));
    List<Answer> answers = fleet.answers();
    long refused = answers.stream().filter(answer -> answer.status() == 503).count();
    long slowest = answers.stream().mapToLong(Answer::latencyMillis).max().orElse(0);
    long recovered = answers.stream()
        .filter(answer -> answer.status() == 202 && answer.atMillis() > upAt)
        .mapToLong(Answer::atMillis).min().orElse(-1) - upAt;
    long lastRefusal = answers.stream().filter(answer -> answer.status() == 503)
        .mapToLong(Answer::atMillis).max().orElse(upAt) - upAt;
    System.out.printf("PostgreSQL down for %d ms: %d batches answered 503 (all with "
        + "Retry-After: %b), slowest answer %d ms, first 202 %d ms after PostgreSQL was back, "
        + "last 503 %d ms after; readiness %d during the outage, %d after; %d acknowledged, "
        + "%d missing, %d delivered twice%n", upAt - downAt, refused,
        answers.stream().filter(a -> a.status() == 503).allMatch(Answer::retryAfter),
        slowest, recovered, lastRefusal, readinessDuringOutage, readinessAfter,
        fleet.acknowledged().size(), missing.size(), received.duplicates().size());

    for (Answer answer : answers) {
      assertTrue(answer.status() == 202 || answer.status() == 503,
          "only 202 or 503, never a 500 or a broken answer: " + answer);
      assertTrue(answer.status() != 503 || answer.retryAfter(), "503 with Retry-After");
    }
    assertTrue(refused > 0, "ingest refused while PostgreSQL was down");
    assertTrue(slowest < 10_000, "no answer took more than 10 s: " + slowest);
    assertEquals(503, readinessDuringOutage);
    assertEquals(200, readinessAfter);
    assertEquals(2000, fleet.acknowledged().size(), "every event acknowledged in the end");
    assertTrue(missing.isEmpty(), missing.size() + " acknowledged events never arrived");
    received.duplicates().forEach((id, copies) ->
        assertTrue(Received.sameBodies(copies), id + " arrived twice with the same body"));
  }
}
