package com.ouvitel.gateway.management;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The health probes")
class HealthTest {

  @Test
  @DisplayName("answer live and ready once the gateway serves")
  void live_and_ready() {
    try (TestGateway gateway = TestGateway.start(Map.of())) {
      Api management = management(gateway);

      Api.Answer live = management.get("/health/live", null);
      assertEquals(200, live.status());
      assertEquals("up", live.json().getString("status"));
      assertReady(management, 200, "ready");
    }
  }

  @Test
  @DisplayName("say not ready while PostgreSQL refuses connections, and ready again after")
  void not_ready_without_database() {
    String url = TestDatabase.freshDatabase();
    String name = TestDatabase.nameOf(url);
    String server = url.substring(0, url.lastIndexOf('/')) + "/postgres";
    try (TestGateway gateway = TestGateway.start(Map.of("database_url", url))) {
      Api management = management(gateway);
      try {
        TestDatabase.executeIn(server, "ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
        TestDatabase.executeIn(server, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            + " WHERE datname = '" + name + "'");

        awaitReady(management, 503, "database_unreachable");
        assertEquals(200, management.get("/health/live", null).status(), "still alive");
      } finally {
        TestDatabase.executeIn(server, "ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
      }
      awaitReady(management, 200, "ready");
    }
  }

  @Test
  @DisplayName("say not ready when the schema lacks the newest migration of this build")
  void not_ready_without_migrations() {
    String url = TestDatabase.freshDatabase();
    String newest = "installed_rank = (SELECT max(installed_rank) FROM flyway_schema_history)";
    try (TestGateway gateway = TestGateway.start(Map.of("database_url", url))) {
      Api management = management(gateway);

      TestDatabase.executeIn(url, "UPDATE flyway_schema_history SET success = false WHERE "
          + newest);
      assertReady(management, 503, "migrations_pending");

      TestDatabase.executeIn(url, "UPDATE flyway_schema_history SET success = true WHERE "
          + newest);
      assertReady(management, 200, "ready");
    }
  }

  @Test
  @DisplayName("say not ready as soon as the gateway drains, while attempts still run")
  void not_ready_while_draining() throws Exception {
    Vertx vertx = Vertx.vertx();
    CountDownLatch attempted = new CountDownLatch(1);
    // An endpoint that takes the request and never answers: the attempt stays in flight.
    HttpServer silent = vertx.createHttpServer()
        .requestHandler(request -> attempted.countDown())
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    try (TestGateway gateway = TestGateway.start(Map.of("drain_timeout", "8s",
        "delivery_timeout", "10s"))) {
      Api management = management(gateway);
      Api.Account account = gateway.api.createAccount("premium");
      gateway.api.createWebhook(account, "http://127.0.0.1:" + silent.actualPort() + "/hook",
          "all");
      gateway.api.sendEvent(account, Api.printSuccess("job_drain"));
      assertEquals(true, attempted.await(30, TimeUnit.SECONDS), "attempt in flight");

      Future<Void> stopped = gateway.gateway().stop();
      assertReady(management, 503, "draining");
      stopped.await(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static Api management(TestGateway gateway) {
    return new Api("http://127.0.0.1:" + gateway.gateway().managementPort(), null);
  }

  private static void assertReady(Api management, int status, String reason) {
    Api.Answer ready = management.get("/health/ready", null);
    assertEquals(status, ready.status(), ready.text());
    assertEquals(reason, ready.json().getString("status"));
  }

  private static void awaitReady(Api management, int status, String reason) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Api.Answer ready = management.get("/health/ready", null);
    while (ready.status() != status && System.nanoTime() < deadline) {
      Api.sleep(200);
      ready = management.get("/health/ready", null);
    }
    assertEquals(status, ready.status(), ready.text());
    assertEquals(reason, ready.json().getString("status"));
  }
}
