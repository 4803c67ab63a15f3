package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Ingest")
class IngestTest {

  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static Api api;
  private static ExecutorService clients;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    gateway = TestGateway.start(Map.of());
    api = gateway.api;
    clients = Executors.newFixedThreadPool(40);
  }

  @AfterAll
  static void stop() {
    clients.shutdownNow();
    gateway.close();
    receiver.close();
  }

  @Test
  @DisplayName("writes concurrent requests in few transactions and answers each only after "
      + "its commit")
  void group_commit_answers_after_commit() throws Exception {
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/group"), "print.success");
    double commitsBefore = gateway.gateway().metrics().ingestBatchSize().count();
    List<CompletableFuture<Answer>> answers = new ArrayList<>();
    try (Connection blocker = jdbc()) {
      blocker.setAutoCommit(false);
      try (Statement statement = blocker.createStatement()) {
        // Every keyed ingest inserts here, so the first commit waits behind this lock.
        statement.execute("LOCK TABLE idempotency_keys IN SHARE ROW EXCLUSIVE MODE");
      }
      for (int i = 0; i < 40; i++) {
        JsonObject event = Api.printSuccess("job_group_" + i).put("id", "group-" + i);
        answers.add(CompletableFuture.supplyAsync(
            () -> api.post("/v1/events", account.apiKey(), event), clients));
      }
      Api.sleep(1000);
      assertTrue(answers.stream().noneMatch(CompletableFuture::isDone),
          "no request is answered before its commit");
      blocker.rollback();
    }
    List<String> ids = new ArrayList<>();
    for (CompletableFuture<Answer> answer : answers) {
      Answer done = answer.get();
      assertEquals(202, done.status(), done.text());
      ids.add(done.json().getString("id"));
    }
    double commits = gateway.gateway().metrics().ingestBatchSize().count() - commitsBefore;
    System.out.printf("group commit: 40 concurrent requests written in %.0f transactions%n",
        commits);
    assertTrue(commits <= 3, "40 requests in " + commits + " commits");
    assertEquals(40L, count("SELECT count(*) FROM events WHERE id IN ("
        + ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",")) + ")"));
    receiver.await("/group", 40, Duration.ofSeconds(20));
  }

  @Test
  @DisplayName("takes a batch of 1000 events and answers one result per item, in order, "
      + "refusing the invalid items one by one")
  void batch_answers_each_item_in_order() {
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/batch"), "print.success");
    JsonArray events = new JsonArray();
    for (int i = 0; i < 1000; i++) {
      events.add(Api.printSuccess("job_batch_" + i));
    }
    events.getJsonObject(3).getJsonObject("payload").remove("jobId");
    events.set(500, new JsonObject().put("event", "print.exploded")
        .put("payload", new JsonObject()));
    events.getJsonObject(998).put("id", "batch-twice");
    events.set(999, events.getJsonObject(998).copy());

    Answer answer = api.post("/v1/events/batch", account.apiKey(),
        new JsonObject().put("events", events));
    assertEquals(202, answer.status(), answer.text());
    JsonArray results = answer.json().getJsonArray("results");
    assertEquals(1000, results.size());
    JsonObject missingField = results.getJsonObject(3).getJsonObject("error");
    assertEquals(400, missingField.getInteger("status"));
    assertEquals("missing_field", missingField.getString("code"));
    assertTrue(missingField.getString("message").contains("$.events[3].payload.jobId"));
    assertEquals("unknown_event",
        results.getJsonObject(500).getJsonObject("error").getString("code"));
    assertEquals(results.getJsonObject(998), results.getJsonObject(999),
        "a key repeated inside a batch answers its first use");
    for (int i : new int[] {0, 4, 499, 501, 998}) {
      String id = results.getJsonObject(i).getString("id");
      JsonObject stored = api.get("/v1/events/" + id, account.apiKey()).json();
      assertEquals("job_batch_" + i, stored.getJsonObject("payload").getString("jobId"),
          "result " + i + " belongs to item " + i);
    }
    receiver.await("/batch", 997, Duration.ofSeconds(60));

    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      tooMany.add(Api.printSuccess("job_over_" + i));
    }
    Answer refused = api.post("/v1/events/batch", account.apiKey(),
        new JsonObject().put("events", tooMany));
    assertEquals(400, refused.status(), refused.text());
    assertTrue(refused.errorMessage().contains("1000"), refused.errorMessage());
  }

  private static long count(String sql) {
    return ((Number) TestDatabase.queryValue(sql)).longValue();
  }

  private static Connection jdbc() throws Exception {
    return DriverManager.getConnection("jdbc:" + TestDatabase.url()
        .replace("postgres://postgres@", "postgresql://"), "postgres", "");
  }
}
