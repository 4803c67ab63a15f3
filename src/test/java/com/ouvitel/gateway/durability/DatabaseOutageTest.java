package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import com.ouvitel.gateway.support.ThrowawayPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A PostgreSQL that stops answering")
class DatabaseOutageTest {

  private ThrowawayPostgres postgres;
  private TestReceiver receiver;
  private TestGateway gateway;

  @BeforeEach
  void start() {
    postgres = ThrowawayPostgres.start();
    receiver = TestReceiver.http();
    gateway = TestGateway.start(Map.of("database_url", postgres.url(),
        "retry_initial_delay", "2s"));
  }

  @AfterEach
  void stop() {
    postgres.thaw();
    gateway.close();
    receiver.close();
    postgres.close();
  }

  @Test
  @DisplayName("gets 503 with Retry-After within seconds, never a hang; readiness is false; "
      + "after it answers again ingest and the pending delivery go on without a restart")
  void frozen_database_gives_quick_503_and_recovery() {
    Api api = gateway.api;
    Account account = api.createAccount("premium");
    Account idle = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/frozen"), "print.success");
    receiver.script("/frozen", 500, 200);
    api.sendEvent(account, Api.printSuccess("job_before"));
    String pending = receiver.await("/frozen", 1, Duration.ofSeconds(15)).get(0)
        .header("X-Ouvitel-Delivery");

    postgres.freeze();
    long frozenAt = System.nanoTime();
    Answer cached = api.post("/v1/events", account.apiKey(), Api.printSuccess("job_frozen"));
    long cachedMillis = (System.nanoTime() - frozenAt) / 1_000_000;
    long uncachedStart = System.nanoTime();
    Answer uncached = api.post("/v1/events", idle.apiKey(), Api.printSuccess("job_idle"));
    long uncachedMillis = (System.nanoTime() - uncachedStart) / 1_000_000;
    int readiness = readiness();
    Api.sleep(1000);
    postgres.thaw();
    long thawedAt = System.nanoTime();
    Answer after = awaitAccepted(api, account);
    long recoveredMillis = (System.nanoTime() - thawedAt) / 1_000_000;
    System.out.printf("frozen PostgreSQL: ingest answered %d in %d ms (known key) and %d in "
        + "%d ms (key to look up); readiness %d; first 202 %d ms after it answered again%n",
        cached.status(), cachedMillis, uncached.status(), uncachedMillis, readiness,
        recoveredMillis);

    for (Answer refused : new Answer[] {cached, uncached}) {
      assertEquals(503, refused.status(), refused.text());
      assertEquals("database_unavailable", refused.errorCode());
      assertNotNull(refused.raw().headers().firstValue("Retry-After").orElse(null));
    }
    assertTrue(cachedMillis < 8_000 && uncachedMillis < 8_000, "answered within seconds");
    assertEquals(503, readiness);
    assertEquals(202, after.status());
    assertEquals(200, readiness(), "ready again");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (receiver.byDelivery("/frozen").get(pending).size() < 2
        && System.nanoTime() < deadline) {
      Api.sleep(50);
    }
    assertEquals("2", receiver.byDelivery("/frozen").get(pending).get(1)
        .header("X-Ouvitel-Attempt"), "the pending delivery had its retry");
  }

  private static Answer awaitAccepted(Api api, Account account) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Answer answer;
    do {
      answer = api.post("/v1/events", account.apiKey(), Api.printSuccess("job_after"));
    } while (answer.status() != 202 && System.nanoTime() < deadline && sleep());
    return answer;
  }

  private static boolean sleep() {
    Api.sleep(100);
    return true;
  }

  private int readiness() {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + gateway.gateway().managementPort() + "/health/ready"))
          .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
