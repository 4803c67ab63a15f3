package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Attempt outcomes that PostgreSQL refuses (here through constraints this test adds,
 * standing for any value the gateway fails to make storable) neither vanish nor leave their
 * delivery held by the pod: the pod renews its leases while it runs, so a delivery whose
 * outcome was dropped used to wait for the pod to stop.
 */
@DisplayName("An attempt outcome PostgreSQL refuses")
class RefusedOutcomeTest {

  private static String jdbcUrl;
  private static TestGateway gateway;
  private static TestReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    String url = TestDatabase.freshDatabase();
    jdbcUrl = "jdbc:" + url.replace("postgres://postgres@", "postgresql://");
    gateway = TestGateway.start(Map.of("database_url", url, "retry_initial_delay", "1s"));
    receiver = TestReceiver.http().script("/refused-answer", 500).script("/teapot", 418);
    try (Connection connection = jdbc(); Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE attempts ADD CONSTRAINT no_answer_500 "
          + "CHECK (response_snippet IS DISTINCT FROM 'answer 500')");
      statement.execute("ALTER TABLE attempts ADD CONSTRAINT no_teapot "
          + "CHECK (status_code IS DISTINCT FROM 418)");
    }
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
  }

  @Test
  @DisplayName("is logged without the endpoint's answer, and its delivery moves on")
  void logged_without_the_endpoint_text() {
    Api api = gateway.api;
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/refused-answer"), "all");

    String deliveryId = api.sendForDelivery(account, "job_refused_answer");

    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getInteger("attemptCount") >= 1, Duration.ofSeconds(10));
    JsonObject attempt = delivery.getJsonArray("attempts").getJsonObject(0);
    assertEquals("http_error", attempt.getString("result"), attempt.encode());
    assertEquals(500, attempt.getInteger("statusCode"), attempt.encode());
    assertNull(attempt.getString("responseSnippet"), attempt.encode());
    assertEquals("the endpoint's answer could not be stored", attempt.getString("error"),
        attempt.encode());
    assertEquals("pending", delivery.getString("status"), delivery.encode());
  }

  @Test
  @DisplayName("refused even without the endpoint's answer, gives its delivery back to be "
      + "attempted again instead of holding it")
  void refused_twice_gives_the_delivery_back() throws Exception {
    Api api = gateway.api;
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/teapot"), "all");

    String deliveryId = api.sendForDelivery(account, "job_teapot");

    // The first attempt's outcome cannot be stored at all; the delivery's lease goes back
    // with its next attempt due in 1 s. Held by the pod, it would not be tried for 30 s.
    receiver.await("/teapot", 2, Duration.ofSeconds(10));
    try (Connection connection = jdbc(); PreparedStatement query = connection.prepareStatement(
        "SELECT status, attempt_count FROM deliveries WHERE id = ?")) {
      query.setString(1, deliveryId);
      try (ResultSet row = query.executeQuery()) {
        assertTrue(row.next(), "delivery " + deliveryId + " is stored");
        assertEquals("pending", row.getString("status"));
        assertEquals(0, row.getInt("attempt_count"), "no attempt could be logged");
      }
    }
  }

  private static Connection jdbc() throws Exception {
    return DriverManager.getConnection(jdbcUrl);
  }
}
