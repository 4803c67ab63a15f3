package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A value that passes validation but that PostgreSQL refuses (here a constraint this test
 * adds, standing for any gap in validation) fails its own request with a 400, never the
 * other requests of the same group commit.
 */
@DisplayName("A value PostgreSQL refuses in a group commit")
class RefusedValueInGroupCommitTest {

  private static String jdbcUrl;
  private static TestGateway gateway;
  private static ExecutorService clients;

  @BeforeAll
  static void start() throws Exception {
    String url = TestDatabase.freshDatabase();
    jdbcUrl = "jdbc:" + url.replace("postgres://postgres@", "postgresql://");
    gateway = TestGateway.start(Map.of("database_url", url));
    try (Connection connection = jdbc(); Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE events ADD CONSTRAINT no_poison_pill "
          + "CHECK (position('poison-pill' in body) = 0)");
    }
    clients = Executors.newFixedThreadPool(12);
  }

  @AfterAll
  static void stop() {
    clients.shutdownNow();
    gateway.close();
  }

  @Test
  @DisplayName("refuses only the request holding it; its neighbours are stored and answered")
  void only_the_faulty_request_fails() throws Exception {
    Api api = gateway.api;
    Account account = api.createAccount("premium");
    List<CompletableFuture<Answer>> neighbours = new ArrayList<>();
    CompletableFuture<Answer> poisoned;
    try (Connection blocker = jdbc()) {
      blocker.setAutoCommit(false);
      try (Statement statement = blocker.createStatement()) {
        // Keyed ingest inserts here first: the commits wait, and the requests pile up.
        statement.execute("LOCK TABLE idempotency_keys IN SHARE ROW EXCLUSIVE MODE");
      }
      neighbours.add(send(api, account, "ahead", "job_ahead"));
      Api.sleep(300);
      for (int i = 0; i < 10; i++) {
        neighbours.add(send(api, account, "neighbour-" + i, "job_" + i));
      }
      poisoned = send(api, account, "poisoned", "poison-pill");
      Api.sleep(700);
      blocker.rollback();
    }

    for (CompletableFuture<Answer> neighbour : neighbours) {
      assertEquals(202, neighbour.get().status(), neighbour.get().text());
    }
    Answer refused = poisoned.get();
    assertEquals(400, refused.status(), refused.text());
    assertEquals("unstorable_value", refused.errorCode());
    assertEquals(11L, count("SELECT count(*) FROM events WHERE account_id = '"
        + account.id() + "'"));
  }

  private CompletableFuture<Answer> send(Api api, Account account, String id, String jobId) {
    JsonObject event = Api.printSuccess(jobId).put("id", id);
    return CompletableFuture.supplyAsync(
        () -> api.post("/v1/events", account.apiKey(), event), clients);
  }

  private static long count(String sql) throws Exception {
    try (Connection connection = jdbc(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static Connection jdbc() throws Exception {
    return DriverManager.getConnection(jdbcUrl, "postgres", "");
  }
}
