package com.ouvitel.gateway.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.store.Database;
import com.ouvitel.gateway.store.Ids;
import com.ouvitel.gateway.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The retention job on a database of its own (it drops whole days), with clocks moved
 * forward instead of waiting for days to pass.
 */
@DisplayName("The retention job")
class RetentionJobTest {

  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
  private static final RetentionJob.Settings SETTINGS =
      new RetentionJob.Settings(30, 7, Duration.ofMillis(200), Duration.ofMinutes(10));

  private static Vertx vertx;
  private static String url;
  private static String jdbc;

  @BeforeAll
  static void createDatabase() {
    url = TestDatabase.freshDatabase();
    Database.external(url).migrate();
    jdbc = "jdbc:" + url.replace("postgres://postgres@", "postgresql://");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @Test
  @DisplayName("creates the daily partitions of the days ahead of a moved clock")
  void creates_partitions_ahead() throws Exception {
    Instant later = Instant.now().plus(Duration.ofDays(50));
    RetentionJob.Report report = run(later);

    assertTrue(report.ran());
    LocalDate day = later.atOffset(ZoneOffset.UTC).toLocalDate();
    for (int ahead = -1; ahead <= 7; ahead++) {
      for (String table : List.of("events", "deliveries", "attempts")) {
        assertTrue(exists(table + "_p" + DAY.format(day.plusDays(ahead))),
            table + " of " + day.plusDays(ahead));
      }
    }
    assertTrue(report.partitionsCreated() >= 27);
  }

  @Test
  @DisplayName("drops the days past the retention with their attempts, and keeps the rest")
  void drops_days_past_retention() throws Exception {
    Instant start = Instant.parse("2031-03-10T12:00:00Z");
    run(start);
    String old = insertDelivery(start, "succeeded");
    String kept = insertDelivery(start.plus(Duration.ofDays(2)), "failed");

    RetentionJob.Report report = run(start.plus(Duration.ofDays(31)));

    assertTrue(report.dropped().contains(LocalDate.parse("2031-03-10")), report.toString());
    assertFalse(exists("events_p20310310"));
    assertFalse(exists("deliveries_p20310310"));
    assertFalse(exists("attempts_p20310310"));
    assertTrue(exists("deliveries_p20310312"));
    assertNull(value("SELECT id FROM deliveries WHERE id = '" + old + "'"));
    assertEquals(kept, value("SELECT id FROM deliveries WHERE id = '" + kept + "'"));
    assertEquals(1L, value("SELECT count(*) FROM attempts WHERE delivery_id = '" + kept + "'"));
  }

  @Test
  @DisplayName("keeps a day that still holds a pending delivery until that delivery ends")
  void keeps_days_with_pending_deliveries() throws Exception {
    Instant start = Instant.parse("2032-05-01T08:00:00Z");
    run(start);
    String pending = insertDelivery(start, "pending");
    insertDelivery(start.plusSeconds(60), "succeeded");

    RetentionJob.Report first = run(start.plus(Duration.ofDays(40)));

    assertTrue(first.postponed().contains(LocalDate.parse("2032-05-01")), first.toString());
    assertTrue(exists("events_p20320501"));
    assertEquals(pending, value("SELECT d.id FROM deliveries d JOIN events e ON "
        + "e.id = d.event_id AND e.created_at = d.created_at WHERE d.id = '" + pending + "'"));

    execute("UPDATE deliveries SET status = 'succeeded' WHERE id = '" + pending + "'");
    RetentionJob.Report second = run(start.plus(Duration.ofDays(40)));

    assertTrue(second.dropped().contains(LocalDate.parse("2032-05-01")), second.toString());
    assertFalse(exists("deliveries_p20320501"));
  }

  @Test
  @DisplayName("moves rows that landed in the default partition into a day of their own")
  void empties_the_default_partition() throws Exception {
    Instant far = Instant.parse("2040-01-15T10:00:00Z");
    String delivery = insertDelivery(far, "succeeded");
    assertEquals(1L, value("SELECT count(*) FROM deliveries_default"));

    RetentionJob.Report report = run(Instant.now());

    assertTrue(report.ran());
    assertEquals(0L, value("SELECT count(*) FROM events_default"));
    assertEquals(0L, value("SELECT count(*) FROM deliveries_default"));
    assertEquals(0L, value("SELECT count(*) FROM attempts_default"));
    assertEquals(delivery, value("SELECT id FROM deliveries_p20400115 WHERE id = '"
        + delivery + "'"));
    assertEquals(1L, value("SELECT count(*) FROM attempts_p20400115"));
  }

  @Test
  @DisplayName("prunes idempotency keys older than the retention")
  void prunes_idempotency_keys() throws Exception {
    Instant now = Instant.parse("2033-07-01T00:00:00Z");
    execute("INSERT INTO idempotency_keys VALUES ('acct_r', 'old', '\\x00', 'evt_x', 1, "
        + "'2033-05-01T00:00:00Z'), ('acct_r', 'new', '\\x00', 'evt_y', 1, "
        + "'2033-06-20T00:00:00Z')");

    RetentionJob.Report report = run(now);

    assertEquals(1L, report.keysPruned());
    assertNull(value("SELECT key FROM idempotency_keys WHERE key = 'old'"));
    assertEquals("new", value("SELECT key FROM idempotency_keys WHERE key = 'new'"));
  }

  @Test
  @DisplayName("lets only one pod run at a time: another holder of the lock makes it skip")
  void skips_when_another_pod_runs() throws Exception {
    try (Connection other = DriverManager.getConnection(jdbc, "postgres", "");
        Statement statement = other.createStatement()) {
      statement.execute("SELECT pg_advisory_lock(" + RetentionSql.JOB_LOCK + ")");

      RetentionJob.Report report = run(Instant.now());

      assertFalse(report.ran());
    }
  }

  @Test
  @DisplayName("drops a day while events keep being written to today's partition")
  void drops_while_ingest_goes_on() throws Exception {
    Instant start = Instant.parse("2034-02-01T12:00:00Z");
    Instant later = start.plus(Duration.ofDays(35));
    run(start);
    for (int i = 0; i < 200; i++) {
      insertDelivery(start.plusSeconds(i), "succeeded");
    }
    execute("SELECT ensure_partitions('" + later.atOffset(ZoneOffset.UTC).toLocalDate()
        + "'::date, 1)");
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    Thread writer = new Thread(() -> {
      try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "")) {
        connection.setAutoCommit(true);
        while (writing.get()) {
          insertDelivery(connection, later.plusMillis(written.get()), "succeeded");
          written.incrementAndGet();
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    writer.start();
    while (written.get() < 50) {
      Thread.sleep(10);
    }

    long began = System.nanoTime();
    RetentionJob.Report report = run(later);
    long tookMs = (System.nanoTime() - began) / 1_000_000;
    int before = written.get();
    while (written.get() < before + 50 && writer.isAlive()) {
      Thread.sleep(10);
    }
    writing.set(false);
    writer.join(10_000);

    assertTrue(report.dropped().contains(LocalDate.parse("2034-02-01"))
        || report.timedOut().contains(LocalDate.parse("2034-02-01")), report.toString());
    assertTrue(written.get() >= before + 50, "ingest went on during and after the drop");
    System.out.println("retention run with a drop took " + tookMs + " ms: " + report);
  }

  private RetentionJob.Report run(Instant now) throws Exception {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    RetentionJob job = new RetentionJob(() -> PgConnection.connect(vertx, options)
        .map(connection -> connection), Clock.fixed(now, ZoneOffset.UTC), SETTINGS);
    return job.run().await(60, TimeUnit.SECONDS);
  }

  private static String insertDelivery(Instant at, String status) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "")) {
      return insertDelivery(connection, at, status);
    }
  }

  /** An event, its one delivery in that status and one attempt, created at that time. */
  private static String insertDelivery(Connection connection, Instant at, String status)
      throws SQLException {
    String event = Ids.next(Ids.EVENT, at);
    String delivery = Ids.next(Ids.DELIVERY, at);
    String time = "'" + at + "'";
    try (Statement statement = connection.createStatement()) {
      statement.execute("INSERT INTO events (id, created_at, account_id, event, body) VALUES "
          + "('" + event + "', " + time + ", 'acct_r', 'print.success', '{}')");
      statement.execute("INSERT INTO deliveries (id, created_at, event_id, webhook_id, "
          + "account_id, event, status, attempt_count) VALUES ('" + delivery + "', " + time
          + ", '" + event + "', 'wh_r', 'acct_r', 'print.success', '" + status + "', 1)");
      statement.execute("INSERT INTO attempts (delivery_id, delivery_created_at, number, "
          + "webhook_id, started_at, duration_ms, result) VALUES ('" + delivery + "', "
          + time + ", 1, 'wh_r', " + time + ", 12, 'success')");
    }
    return delivery;
  }

  private static boolean exists(String table) throws SQLException {
    return value("SELECT to_regclass('" + table + "')::text") != null;
  }

  private static Object value(String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "");
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getObject(1) : null;
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "");
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
