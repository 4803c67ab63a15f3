package com.ouvitel.gateway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The bench's set-up")
class BenchSetupTest {

  @Test
  @DisplayName("names its databases on the server of DATABASE_URL, with port 5432 when the "
      + "URL gives none and its query parameters kept")
  void databases_on_the_server_of_the_url() {
    assertEquals("postgres://postgres@db.example:5432/ouvitel_bench_7",
        BenchPostgres.serverOf("postgres://postgres@db.example/postgres")
            .formatted("ouvitel_bench_7"));
    assertEquals("postgresql://u:p%40ss@10.0.0.5:6543/ouvitel_bench_7?sslmode=require",
        BenchPostgres.serverOf("postgresql://u:p%40ss@10.0.0.5:6543/app?sslmode=require")
            .formatted("ouvitel_bench_7"));
  }

  @Test
  @DisplayName("records the knobs of a run in its results, never a secret or the database URL")
  void records_knobs_without_secrets() {
    JsonObject knobs = BenchMain.knobs(Map.of(
        "GATEWAY_DISPATCH_HAND_OFF", "false",
        "BENCH_ONLY", "e2e",
        "GATEWAY_ADMIN_TOKEN", "admin-token-value",
        "DATABASE_URL", "postgres://u:hunter2@db/app",
        "HOME", "/root"));
    assertEquals("false", knobs.getString("GATEWAY_DISPATCH_HAND_OFF"));
    assertEquals("e2e", knobs.getString("BENCH_ONLY"));
    assertEquals("(set)", knobs.getString("GATEWAY_ADMIN_TOKEN"));
    assertEquals("(set)", knobs.getString("DATABASE_URL"));
    assertFalse(knobs.containsKey("HOME"), knobs.encode());
    assertFalse(knobs.encode().contains("hunter2") || knobs.encode().contains("admin-token"),
        knobs.encode());
  }
}
