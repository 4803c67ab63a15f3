package com.ouvitel.gateway.bench;

import com.ouvitel.gateway.store.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Loads a delivery log of 30 days at high volume into a database of its own, for the query
 * plans and timings of issue 7: accounts, webhooks, and per day events with one delivery
 * each and their attempts (most succeed at once, some after retries, a few fail after six
 * attempts, the last hour's are partly pending), plus the statistics roll-ups.
 *
 * <pre>
 *   make build && mvn -B -q test-compile
 *   java -cp target/test-classes:target/webhook-gateway.jar \
 *     com.ouvitel.gateway.bench.DeliveryLogGenerator \
 *     postgres://postgres@127.0.0.1:5432/ouvitel_logload 30 80000
 * </pre>
 *
 * Arguments: database URL (created when missing, migrated), days, deliveries per day.
 * A day that already holds deliveries is left as it is, so an interrupted load resumes.
 */
public final class DeliveryLogGenerator {

  private static final String ID_FUNCTION = """
      CREATE FUNCTION pg_temp.generated_id(prefix text, at timestamptz) RETURNS text
      LANGUAGE sql AS $$
        SELECT prefix || string_agg(substr('0123456789abcdefghjkmnpqrstvwxyz',
                 (((extract(epoch FROM at) * 1000)::bigint >> (5 * (9 - i))) & 31)::int + 1,
                 1), '' ORDER BY i)
               || substr(md5(random()::text), 1, 16)
        FROM generate_series(0, 9) AS i
      $$
      """;

  /** 5 accounts, 20 webhooks each; the first account has most of the traffic. */
  private static final String ACCOUNTS_AND_WEBHOOKS = """
      INSERT INTO accounts (id, name, license, created_at)
      SELECT 'acct_load' || a, 'Load fleet ' || a, 'premium', now() - interval '60 days'
      FROM generate_series(1, 5) AS a;
      INSERT INTO webhooks (id, account_id, url, events, secret, created_at, updated_at)
      SELECT 'wh_load' || a || '_' || w, 'acct_load' || a,
             'https://receiver.example/' || a || '/' || w, ARRAY['all'],
             'whsec_' || md5(random()::text), now() - interval '60 days', now()
      FROM generate_series(1, 5) AS a, generate_series(1, 20) AS w
      """;

  /**
   * One day ($1 start, $2 deliveries): events, one delivery each, their attempts.
   * Outcome mix: 90 % one successful attempt, 8 % two or three attempts, 2 % six failed.
   */
  private static final String DAY = """
      CREATE TEMP TABLE day_rows ON COMMIT DROP AS
      SELECT pg_temp.generated_id('evt_', at) AS event_id, at, account, webhook, kind
      FROM (
        -- Milliseconds, as the gateway stores them: ids carry the time of their row.
        SELECT date_trunc('milliseconds',
                          '%1$s'::timestamptz + random() * interval '1 day') AS at,
               CASE WHEN random() < 0.8 THEN 1 ELSE 2 + (random() * 3)::int END AS account,
               1 + (random() * 19)::int AS webhook, random() AS kind
        FROM generate_series(1, %2$s)
      ) AS g
      WHERE at < now();
      INSERT INTO events (id, created_at, account_id, event, body)
      SELECT event_id, at, 'acct_load' || account,
             CASE WHEN kind < 0.7 THEN 'print.success' ELSE 'print.failure' END,
             '{"event":"print.success","payload":{"jobId":"job_' || md5(event_id)
               || '","printerToken":"printer_' || webhook || '","timestamp":"'
               || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
               || '"},"timestamp":"'
               || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '"}'
      FROM day_rows;
      INSERT INTO deliveries (id, created_at, event_id, webhook_id, account_id, event, status,
                              attempt_count, next_attempt_at, completed_at, last_result,
                              last_status_code)
      SELECT 'dlv_' || substr(event_id, 5, 10)
               || substr(md5(event_id || 'wh_load' || account || '_' || webhook), 1, 16),
             at, event_id, 'wh_load' || account || '_' || webhook, 'acct_load' || account,
             CASE WHEN kind < 0.7 THEN 'print.success' ELSE 'print.failure' END,
             CASE WHEN kind >= 0.98 AND at > now() - interval '1 hour' THEN 'pending'
                  WHEN kind >= 0.98 THEN 'failed' ELSE 'succeeded' END,
             CASE WHEN kind < 0.9 THEN 1 WHEN kind < 0.98 THEN 2 + (kind * 100)::int %% 2
                  ELSE 6 END,
             CASE WHEN kind >= 0.98 AND at > now() - interval '1 hour'
                  THEN now() + interval '5 minutes' END,
             CASE WHEN kind >= 0.98 AND at > now() - interval '1 hour' THEN NULL
                  ELSE at + interval '1 second' END,
             CASE WHEN kind >= 0.98 THEN 'http_error' ELSE 'success' END,
             CASE WHEN kind >= 0.98 THEN 503 ELSE 200 END
      FROM day_rows;
      INSERT INTO attempts (delivery_id, delivery_created_at, number, webhook_id, started_at,
                            duration_ms, result, status_code, response_snippet)
      SELECT d.id, d.created_at, n, d.webhook_id, d.created_at + (n - 1) * interval '2 minutes',
             (20 + random() * random() * 900)::int,
             CASE WHEN n = d.attempt_count AND d.status = 'succeeded' THEN 'success'
                  WHEN random() < 0.5 THEN 'http_error' ELSE 'timeout' END,
             CASE WHEN n = d.attempt_count AND d.status = 'succeeded' THEN 200 ELSE 503 END,
             'ok'
      FROM deliveries d
      CROSS JOIN LATERAL generate_series(1, d.attempt_count) AS n
      WHERE d.created_at >= '%1$s'::timestamptz
        AND d.created_at < '%1$s'::timestamptz + interval '1 day'
      """;

  private static final String ROLLUPS = """
      INSERT INTO attempt_rollups
      SELECT a.webhook_id, u.unit, date_trunc(u.unit, a.started_at, 'UTC'), a.result,
             count(*),
             count(*) FILTER (WHERE d.status = 'succeeded' AND d.attempt_count = a.number),
             count(*) FILTER (WHERE d.status = 'failed' AND d.attempt_count = a.number),
             latency_histogram(a.duration_ms)
      FROM attempts a
      JOIN deliveries d ON d.id = a.delivery_id AND d.created_at = a.delivery_created_at
      CROSS JOIN (VALUES ('minute'), ('hour'), ('day')) AS u (unit)
      WHERE u.unit <> 'minute' OR a.started_at > now() - interval '2 days'
      GROUP BY 1, 2, 3, 4
      """;

  private DeliveryLogGenerator() {
  }

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0]
        : "postgres://postgres@127.0.0.1:5432/ouvitel_logload";
    int days = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int perDay = args.length > 2 ? Integer.parseInt(args[2]) : 80_000;
    createDatabase(url);
    Database.external(url).migrate();
    try (Connection connection = DriverManager.getConnection(jdbc(url), "postgres", "");
        Statement statement = connection.createStatement()) {
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      statement.execute("SELECT ensure_partitions('" + today.minusDays(days) + "', "
          + (days + 8) + ")");
      statement.execute(ID_FUNCTION);
      if (count(statement, "SELECT count(*) FROM accounts WHERE id = 'acct_load1'") == 0) {
        statement.execute(ACCOUNTS_AND_WEBHOOKS);
      }
      connection.setAutoCommit(false);
      for (int day = days - 1; day >= 0; day--) {
        long began = System.nanoTime();
        String start = today.minusDays(day) + "T00:00:00Z";
        if (loaded(statement, start)) {
          System.out.printf("day %s was loaded before%n", start.substring(0, 10));
          continue;
        }
        statement.execute(DAY.formatted(start, perDay));
        connection.commit();
        System.out.printf("day %s loaded in %d ms%n", start.substring(0, 10),
            (System.nanoTime() - began) / 1_000_000);
      }
      statement.execute("TRUNCATE attempt_rollups");
      statement.execute(ROLLUPS);
      connection.commit();
      connection.setAutoCommit(true);
      statement.execute("VACUUM ANALYZE");
      System.out.printf("loaded %d events, %d deliveries, %d attempts, %d roll-up rows%n",
          count(statement, "SELECT count(*) FROM events"),
          count(statement, "SELECT count(*) FROM deliveries"),
          count(statement, "SELECT count(*) FROM attempts"),
          count(statement, "SELECT count(*) FROM attempt_rollups"));
    }
  }

  /** True when the day starting at that time already has deliveries. */
  private static boolean loaded(Statement statement, String start) throws SQLException {
    return count(statement, "SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE "
        + "created_at >= '" + start + "' AND created_at < '" + start + "'::timestamptz "
        + "+ interval '1 day' LIMIT 1) d") > 0;
  }

  private static void createDatabase(String url) throws SQLException {
    String name = url.substring(url.lastIndexOf('/') + 1);
    String server = jdbc(url.substring(0, url.lastIndexOf('/')) + "/postgres");
    try (Connection connection = DriverManager.getConnection(server, "postgres", "");
        Statement statement = connection.createStatement()) {
      if (count(statement, "SELECT count(*) FROM pg_database WHERE datname = '" + name
          + "'") == 0) {
        statement.execute("CREATE DATABASE " + name);
      }
    }
  }

  private static long count(Statement statement, String sql) throws SQLException {
    try (var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static String jdbc(String url) {
    return "jdbc:" + url.replace("postgres://postgres@", "postgresql://");
  }
}
