package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Idempotent ingest on two gateways sharing one PostgreSQL")
class IdempotencyTest {

  private static final int KEYS = 20;
  private static final int COPIES = 8;

  private static TestGateway first;
  private static TestGateway second;
  private static TestReceiver receiver;
  private static ExecutorService clients;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    first = TestGateway.start(Map.of());
    second = TestGateway.start(Map.of());
    clients = Executors.newFixedThreadPool(KEYS * COPIES / 2);
  }

  @AfterAll
  static void stop() {
    clients.shutdownNow();
    first.close();
    second.close();
    receiver.close();
  }

  @Test
  @DisplayName("answers the same event sent concurrently to both, by id or Idempotency-Key, "
      + "with one result and delivers it once")
  void concurrent_repeats_across_gateways_deliver_once() throws Exception {
    Account account = first.api.createAccount("premium");
    first.api.createWebhook(account, receiver.url("/idem"), "print.success");
    CountDownLatch go = new CountDownLatch(1);
    List<List<CompletableFuture<Answer>>> byKey = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      List<CompletableFuture<Answer>> copies = new ArrayList<>();
      for (int c = 0; c < COPIES; c++) {
        Api api = c % 2 == 0 ? first.api : second.api;
        String key = "idem-" + k;
        boolean inHeader = k % 2 == 1;
        JsonObject event = Api.printSuccess("job_" + key);
        if (!inHeader) {
          event.put("id", key);
        }
        copies.add(CompletableFuture.supplyAsync(() -> {
          await(go);
          return inHeader
              ? api.call("POST", "/v1/events", account.apiKey(), "application/json",
                  event.encode(), Map.of("Idempotency-Key", key))
              : api.post("/v1/events", account.apiKey(), event);
        }, clients));
      }
      byKey.add(copies);
    }
    go.countDown();

    Set<String> eventIds = new HashSet<>();
    for (List<CompletableFuture<Answer>> copies : byKey) {
      Set<String> answersOfKey = new HashSet<>();
      for (CompletableFuture<Answer> copy : copies) {
        Answer answer = copy.get();
        assertEquals(202, answer.status(), answer.text());
        assertEquals(1, answer.json().getInteger("deliveries"), answer.text());
        answersOfKey.add(answer.json().getString("id"));
      }
      assertEquals(1, answersOfKey.size(), "one event per key: " + answersOfKey);
      eventIds.addAll(answersOfKey);
    }
    assertEquals(KEYS, eventIds.size());
    assertEquals((long) KEYS, ((Number) TestDatabase.queryValue("SELECT count(*) FROM events "
        + "WHERE account_id = '" + account.id() + "'")).longValue());
    receiver.await("/idem", KEYS, Duration.ofSeconds(20));
    Api.sleep(1000);
    assertEquals(KEYS, receiver.requests("/idem").size(), "nothing delivered twice");
  }

  @Test
  @DisplayName("refuses the same key with a different event with 409 on either gateway")
  void same_key_different_body_is_a_conflict() {
    Account account = first.api.createAccount("premium");
    JsonObject original = Api.printSuccess("job_original").put("id", "conflict-1");
    first.api.sendEvent(account, original);
    for (Api api : List.of(first.api, second.api)) {
      Answer conflict = api.post("/v1/events", account.apiKey(),
          Api.printSuccess("job_changed").put("id", "conflict-1"));
      assertEquals(409, conflict.status(), conflict.text());
      assertEquals("idempotency_conflict", conflict.errorCode());
      Answer header = api.call("POST", "/v1/events", account.apiKey(), "application/json",
          Api.printSuccess("job_changed").encode(), Map.of("Idempotency-Key", "conflict-1"));
      assertEquals(409, header.status(), header.text());
    }
    assertEquals(202, second.api.post("/v1/events", account.apiKey(), original).status());
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
