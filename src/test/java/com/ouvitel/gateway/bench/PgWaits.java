package com.ouvitel.gateway.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What PostgreSQL's sessions of the bench database do during a scenario: pg_stat_activity
 * sampled every 20 ms (active sessions by wait event, "CPU" when they wait for nothing), and
 * the costliest statements from pg_stat_statements when the server has it loaded.
 */
final class PgWaits implements AutoCloseable {

  private static final String SAMPLE = """
      SELECT CASE backend_type WHEN 'client backend' THEN '' ELSE backend_type || ' ' END
             || coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*)
      FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND (state = 'active' OR backend_type = 'autovacuum worker')
      GROUP BY 1
      """;

  /** Every statement's totals so far; a window's figures are the difference of two. */
  private static final String STATEMENT_TOTALS = """
      SELECT queryid, left(regexp_replace(query, '\\s+', ' ', 'g'), 70), calls,
             total_exec_time, rows
      FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      """;

  private final Connection connection;
  private final boolean statements;
  private final Map<String, Long> counts = new HashMap<>();
  private long samples;
  /** Per 100 ms since {@link #begin()}: sessions seen waiting, by wait, CPU left out. */
  private final TreeMap<Long, Map<String, Long>> slices = new TreeMap<>();
  private long began;
  private Map<Long, Totals> totalsBefore = Map.of();
  private volatile boolean sampling;
  private Thread sampler;

  PgWaits(String url) {
    try {
      connection = BenchPostgres.connect(url);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    statements = tryExecute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  }

  /**
   * Starts sampling and notes the statements' totals. (Resetting them instead would disturb
   * the server as the window opens: every statement then enters its statistics anew.)
   */
  synchronized void begin() {
    counts.clear();
    slices.clear();
    samples = 0;
    began = System.nanoTime();
    if (statements) {
      totalsBefore = statementTotals();
    }
    sampling = true;
    sampler = new Thread(this::sample, "pg-waits");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Stops sampling; the average active sessions by wait event and the top statements. */
  JsonObject end() {
    sampling = false;
    try {
      sampler.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    JsonObject waits = new JsonObject();
    synchronized (this) {
      counts.entrySet().stream()
          .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
          .limit(6)
          .forEach(e -> waits.put(e.getKey(),
              CpuUsage.round((double) e.getValue() / Math.max(1, samples))));
    }
    JsonObject result = new JsonObject().put("activeSessionsByWait", waits);
    synchronized (this) {
      // The five 100 ms slices with the most sessions waiting, to set beside the lag's.
      JsonObject busiest = new JsonObject();
      slices.entrySet().stream()
          .sorted((a, b) -> Long.compare(total(b.getValue()), total(a.getValue())))
          .limit(5)
          .forEach(e -> busiest.put(Long.toString(e.getKey()), new JsonObject(
              new HashMap<String, Object>(e.getValue()))));
      result.put("busiestWaitSlices", busiest);
    }
    if (statements) {
      result.put("topStatements", topStatements());
    }
    return result;
  }

  private static long total(Map<String, Long> waits) {
    return waits.values().stream().mapToLong(Long::longValue).sum();
  }

  private void sample() {
    try (PreparedStatement query = connection.prepareStatement(SAMPLE)) {
      while (sampling) {
        try (ResultSet rows = query.executeQuery()) {
          synchronized (this) {
            samples++;
            long slice = (System.nanoTime() - began) / 100_000_000 * 100;
            while (rows.next()) {
              String wait = rows.getString(1);
              counts.merge(wait, rows.getLong(2), Long::sum);
              if (!wait.endsWith("CPU") && !wait.contains("VacuumDelay")
                  && !wait.equals("Client:ClientRead")) {
                slices.computeIfAbsent(slice, k -> new HashMap<>())
                    .merge(wait, rows.getLong(2), Long::sum);
              }
            }
          }
        }
        Thread.sleep(20);
      }
    } catch (SQLException | InterruptedException e) {
      sampling = false;
    }
  }

  /** The six statements that took the most time in the window. */
  private JsonArray topStatements() {
    JsonArray top = new JsonArray();
    Map<Long, Totals> after = statementTotals();
    after.values().stream()
        .map(total -> total.minus(totalsBefore.get(total.queryId())))
        .filter(window -> window.calls() > 0)
        .sorted((a, b) -> Double.compare(b.totalMs(), a.totalMs()))
        .limit(6)
        .forEach(window -> top.add(new JsonObject().put("query", window.query())
            .put("calls", window.calls())
            .put("totalMs", Math.round(window.totalMs() * 10) / 10.0)
            .put("meanMs", Math.round(window.totalMs() / window.calls() * 1000) / 1000.0)
            .put("rows", window.rows())));
    return top;
  }

  private boolean statementsMissing;

  private Map<Long, Totals> statementTotals() {
    Map<Long, Totals> totals = new HashMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(STATEMENT_TOTALS)) {
      while (rows.next()) {
        Totals total = new Totals(rows.getLong(1), rows.getString(2), rows.getLong(3),
            rows.getDouble(4), rows.getLong(5));
        totals.merge(total.queryId(), total, Totals::plus);
      }
    } catch (SQLException e) {
      if (!statementsMissing) {
        statementsMissing = true;
        System.err.println("could not read pg_stat_statements (the windows' topStatements stay "
            + "empty): " + e.getMessage());
      }
    }
    return totals;
  }

  /** One statement's calls, execution time and rows (summed over the users running it). */
  private record Totals(long queryId, String query, long calls, double totalMs, long rows) {

    Totals plus(Totals other) {
      return new Totals(queryId, query, calls + other.calls, totalMs + other.totalMs,
          rows + other.rows);
    }

    Totals minus(Totals earlier) {
      return earlier == null ? this : new Totals(queryId, query, calls - earlier.calls,
          totalMs - earlier.totalMs, rows - earlier.rows);
    }
  }

  private boolean tryExecute(String sql) {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    sampling = false;
    try {
      connection.close();
    } catch (SQLException ignored) {
      // The database is dropped next.
    }
  }
}
