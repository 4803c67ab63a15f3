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

  private static final String TOP_STATEMENTS = """
      SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 70), calls,
             round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3), rows
      FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time DESC LIMIT 6
      """;

  private final Connection connection;
  private final boolean statements;
  private final Map<String, Long> counts = new HashMap<>();
  private long samples;
  /** Per 100 ms since {@link #begin()}: sessions seen waiting, by wait, CPU left out. */
  private final TreeMap<Long, Map<String, Long>> slices = new TreeMap<>();
  private long began;
  private volatile boolean sampling;
  private Thread sampler;

  PgWaits(String url) {
    try {
      connection = BenchPostgres.connect(url);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    statements = tryExecute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        && tryExecute("SELECT pg_stat_statements_reset()");
  }

  /** Starts sampling and clears the statement statistics. */
  synchronized void begin() {
    counts.clear();
    slices.clear();
    samples = 0;
    began = System.nanoTime();
    if (statements) {
      tryExecute("SELECT pg_stat_statements_reset()");
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

  private JsonArray topStatements() {
    JsonArray top = new JsonArray();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(TOP_STATEMENTS)) {
      while (rows.next()) {
        top.add(new JsonObject().put("query", rows.getString(1)).put("calls", rows.getLong(2))
            .put("totalMs", rows.getDouble(3)).put("meanMs", rows.getDouble(4))
            .put("rows", rows.getLong(5)));
      }
    } catch (SQLException e) {
      top.add(new JsonObject().put("error", e.getMessage()));
    }
    return top;
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
