package com.ouvitel.gateway.bench;

import com.ouvitel.gateway.delivery.Signer;
import com.ouvitel.gateway.json.StrictJson;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.function.IntToLongFunction;

/**
 * Three techniques of the hot path measured apart, each with the gateway's own code and
 * against what it replaces: one HMAC instance per event loop against one per delivery, the
 * delivery body built once at ingest against parsed and written again for each attempt, and
 * retention by dropping a daily partition of the attempt log against deleting a day's rows
 * from one table. The first two run in this process on one thread and are timed in that
 * thread's CPU; the third in the baseline database.
 */
final class TechniqueCosts {

  /** Webhooks the signing cost rotates over, as the end-to-end scenario has. */
  private static final int SECRETS = 8;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Keeps the JIT from dropping work whose result nothing reads. */
  private static long sink;

  private TechniqueCosts() {
  }

  /**
   * Both signatures of one delivery (X-Ouvitel-Signature and webhook-signature), with the
   * dispatcher's kept {@link Signer} and with a new one for every delivery.
   */
  static JsonObject signing(Duration each) {
    String[] secrets = new String[SECRETS];
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < SECRETS; i++) {
      byte[] key = new byte[32];
      random.nextBytes(key);
      secrets[i] = "whsec_" + Base64.getEncoder().encodeToString(key);
    }
    byte[] body = deliveryBody().getBytes(StandardCharsets.UTF_8);
    Signer kept = new Signer();
    double keptMicros = microsEach(each, n -> sign(kept, secrets[n % SECRETS], n, body));
    double newMicros = microsEach(each, n -> sign(new Signer(), secrets[n % SECRETS], n, body));
    return new JsonObject().put("bodyBytes", body.length)
        .put("keptMicros", round(keptMicros)).put("perDeliveryMicros", round(newMicros));
  }

  private static long sign(Signer signer, String secret, int n, byte[] body) {
    String ouvitel = signer.ouvitelSignature(secret, body);
    String standard = signer.standardSignature(secret, "dlv_" + n, 1_767_700_000L + n, body);
    return ouvitel.charAt(7) + standard.charAt(9);
  }

  /**
   * The bytes sent for one delivery: the text built at ingest, encoded, against that text
   * parsed and written again first.
   */
  static JsonObject body(Duration each) {
    String stored = deliveryBody();
    double storedMicros = microsEach(each,
        n -> stored.getBytes(StandardCharsets.UTF_8)[n % 64]);
    double reparsedMicros = microsEach(each, n -> StrictJson.toUtf8(
        StrictJson.parse(stored.getBytes(StandardCharsets.UTF_8)))[n % 64]);
    return new JsonObject().put("bodyBytes", stored.length())
        .put("storedMicros", round(storedMicros))
        .put("reparsedMicros", round(reparsedMicros));
  }

  /** A delivery body as ingest builds it from the load generator's events. */
  private static String deliveryBody() {
    String event = EventBodies.event(1_767_700_000_000_000_000L);
    return event.substring(0, event.length() - 1) + ",\"timestamp\":\"2026-01-06T12:00:00Z\"}";
  }

  /** Runs the operation for {@code each} to warm up, then again, timed: CPU µs per call. */
  private static double microsEach(Duration each, IntToLongFunction operation) {
    repeat(each, operation);
    long cpu = THREADS.getCurrentThreadCpuTime();
    int calls = repeat(each, operation);
    return (THREADS.getCurrentThreadCpuTime() - cpu) / 1000.0 / calls;
  }

  private static int repeat(Duration each, IntToLongFunction operation) {
    long end = System.nanoTime() + each.toNanos();
    long sum = 0;
    int calls = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 256; i++) {
        sum += operation.applyAsLong(calls++);
      }
    }
    sink += sum;
    return calls;
  }

  /**
   * Retention of one day of {@code rows} attempts: dropping its partition of the attempt
   * log (what the gateway does) against deleting its rows from an unpartitioned copy of the
   * table, with its indexes, and vacuuming it. The next day holds as many rows, kept.
   */
  static JsonObject retention(String databaseUrl, int rows) {
    try (Connection connection = BenchPostgres.connect(databaseUrl);
        Statement sql = connection.createStatement()) {
      sql.execute("SELECT ensure_partitions('2030-01-01', 2)");
      sql.execute("CREATE TABLE attempts_unpartitioned (LIKE attempts INCLUDING ALL)");
      String fill = """
          INSERT INTO %s (delivery_id, delivery_created_at, number, webhook_id, started_at,
                          duration_ms, result, status_code, response_snippet)
          SELECT 'dlv_' || to_char(day.d, 'YYYYMMDD') || '_' || i, day.d, 1,
                 'wh_raw' || mod(i, 8), day.d + mod(i, 86400) * interval '1 second', 3,
                 'success', 200, 'ok'
          FROM generate_series(1, %d) AS i,
               (VALUES (timestamptz '2030-01-01 00:00Z'), (timestamptz '2030-01-02 00:00Z'))
               AS day (d)
          """;
      for (String table : new String[] {"attempts", "attempts_unpartitioned"}) {
        sql.execute(fill.formatted(table, rows));
      }
      sql.execute("CHECKPOINT");
      JsonObject dropped = timed(sql, "DROP TABLE attempts_p20300101");
      JsonObject deleted = timed(sql, "DELETE FROM attempts_unpartitioned "
          + "WHERE delivery_created_at < '2030-01-02 00:00Z'");
      JsonObject vacuumed = timed(sql, "VACUUM attempts_unpartitioned");
      sql.execute("DROP TABLE attempts_unpartitioned, attempts_p20300102");
      double deleteMs = deleted.getDouble("ms") + vacuumed.getDouble("ms");
      long deleteWal = deleted.getLong("walBytes") + vacuumed.getLong("walBytes");
      return new JsonObject().put("rowsDropped", rows)
          .put("dropPartitionMs", dropped.getDouble("ms"))
          .put("dropPartitionWalBytes", dropped.getLong("walBytes"))
          .put("deleteAndVacuumMs", round(deleteMs)).put("deleteAndVacuumWalBytes", deleteWal)
          .put("delete", deleted).put("vacuum", vacuumed);
    } catch (SQLException e) {
      throw new IllegalStateException("retention measurement: " + e.getMessage(), e);
    }
  }

  /** Runs one statement: its wall time and the WAL it wrote. */
  private static JsonObject timed(Statement sql, String statement) throws SQLException {
    long before = walPosition(sql);
    long started = System.nanoTime();
    sql.execute(statement);
    double ms = (System.nanoTime() - started) / 1e6;
    return new JsonObject().put("ms", round(ms)).put("walBytes", walPosition(sql) - before);
  }

  private static long walPosition(Statement sql) throws SQLException {
    try (ResultSet row = sql.executeQuery(
        "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
      row.next();
      return row.getLong(1);
    }
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
