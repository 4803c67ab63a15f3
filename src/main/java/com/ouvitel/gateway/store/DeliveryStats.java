package com.ouvitel.gateway.store;

import static com.ouvitel.gateway.store.StoreTime.iso;
import static com.ouvitel.gateway.store.StoreTime.utc;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Delivery statistics of one webhook over a window, read from the attempt roll-ups that the
 * attempt log maintains (attempt_rollups: per webhook, per minute, hour and day), so a
 * 30-day window reads 30 day rows per result instead of the attempts themselves.
 *
 * <p>A window covers whole buckets ending with the current one: 1h is the last 60 minutes,
 * 24h / 7d the last 24 / 168 hours, 30d the last 30 days (UTC). delivered and failed count
 * the deliveries that ended in the window; pending is the webhook's current backlog.
 * Latency percentiles are of successful attempts, estimated from a histogram (linear
 * within a bucket; the bucket bounds are latency_bounds() in V7__retention_and_rollups.sql).
 */
public final class DeliveryStats {

  /** A window: its roll-up unit, its number of buckets, and the chart's step. */
  private record Window(String unit, int buckets, Duration step) {

    ChronoUnit chronoUnit() {
      return switch (unit) {
        case "minute" -> ChronoUnit.MINUTES;
        case "hour" -> ChronoUnit.HOURS;
        default -> ChronoUnit.DAYS;
      };
    }
  }

  private static final Map<String, Window> WINDOWS = Map.of(
      "1h", new Window("minute", 60, Duration.ofMinutes(5)),
      "24h", new Window("hour", 24, Duration.ofHours(1)),
      "7d", new Window("hour", 168, Duration.ofHours(6)),
      "30d", new Window("day", 30, Duration.ofDays(1)));

  /** The names of the windows, for the API's validation. */
  public static final Set<String> WINDOW_NAMES = Set.copyOf(List.of("1h", "24h", "7d", "30d"));

  /** $1 webhook, $2 unit, $3 window start. */
  private static final String TOTALS = """
      SELECT result, sum(attempts) AS attempts, sum(delivered) AS delivered,
             sum(failed) AS failed, latency_histograms(latency_counts) AS latency_counts,
             latency_bounds() AS bounds
      FROM attempt_rollups WHERE webhook_id = $1 AND unit = $2 AND bucket >= $3
      GROUP BY result
      """;
  /** $1 webhook, $2 unit, $3 window start, $4 step of the series in seconds. */
  private static final String SERIES = """
      SELECT date_bin($4::int * interval '1 second', bucket, $3) AS start,
             sum(attempts) AS attempts,
             coalesce(sum(attempts) FILTER (WHERE result = 'success'), 0) AS successful,
             sum(delivered) AS delivered, sum(failed) AS failed
      FROM attempt_rollups WHERE webhook_id = $1 AND unit = $2 AND bucket >= $3
      GROUP BY 1 ORDER BY 1
      """;
  /** $1 webhook: its backlog, from the partial index of pending deliveries. */
  private static final String PENDING = """
      SELECT count(*) AS pending FROM deliveries WHERE webhook_id = $1 AND status = 'pending'
      """;

  private final Pool pool;
  private final Clock clock;

  public DeliveryStats(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** The statistics of a webhook (already known to belong to the account) over a window. */
  public Future<JsonObject> forWebhook(String accountId, String webhookId, String name) {
    Window window = WINDOWS.get(name);
    Instant now = clock.instant();
    Instant since = now.truncatedTo(window.chronoUnit())
        .minus(window.buckets() - 1L, window.chronoUnit());
    JsonObject stats = new JsonObject().put("window", name).put("since", iso(since))
        .put("until", iso(now));
    Tuple range = Tuple.of(webhookId, window.unit(), utc(since));
    return pool.preparedQuery(TOTALS).execute(range)
        .compose(rows -> {
          putTotals(stats, rows);
          return pool.preparedQuery(PENDING).execute(Tuple.of(webhookId));
        })
        .compose(rows -> {
          stats.put("pending", rows.iterator().next().getLong("pending"));
          return pool.preparedQuery(SERIES).execute(Tuple.of(webhookId, window.unit(),
              utc(since), (int) window.step().toSeconds()));
        })
        .map(rows -> stats.put("series", series(rows, since, now, window.step())));
  }

  private static void putTotals(JsonObject stats, Iterable<Row> rows) {
    long delivered = 0;
    long failed = 0;
    JsonObject byResult = new JsonObject();
    JsonObject latency = new JsonObject().putNull("p50").putNull("p95").putNull("p99");
    for (Row row : rows) {
      delivered += row.getLong("delivered");
      failed += row.getLong("failed");
      byResult.put(row.getString("result"), row.getLong("attempts"));
      if (row.getString("result").equals("success")) {
        int[] counts = ints(row.getArrayOfIntegers("latency_counts"));
        int[] bounds = ints(row.getArrayOfIntegers("bounds"));
        latency.put("p50", LatencyHistogram.percentile(bounds, counts, 0.50))
            .put("p95", LatencyHistogram.percentile(bounds, counts, 0.95))
            .put("p99", LatencyHistogram.percentile(bounds, counts, 0.99));
      }
    }
    stats.put("delivered", delivered).put("failed", failed)
        .put("successRate", delivered + failed == 0 ? null
            : (double) delivered / (delivered + failed))
        .put("attemptsByResult", byResult).put("latencyMs", latency);
  }

  /** One point per step from the window's start to now, zeros where nothing happened. */
  private static JsonArray series(Iterable<Row> rows, Instant since, Instant now,
      Duration step) {
    Map<Instant, Row> byStart = new HashMap<>();
    rows.forEach(row -> byStart.put(row.getOffsetDateTime("start").toInstant(), row));
    JsonArray series = new JsonArray();
    for (Instant start = since; !start.isAfter(now); start = start.plus(step)) {
      Row row = byStart.get(start);
      long attempts = row == null ? 0 : row.getLong("attempts");
      long successful = row == null ? 0 : row.getLong("successful");
      series.add(new JsonObject()
          .put("start", iso(start))
          .put("attempts", attempts)
          .put("successfulAttempts", successful)
          .put("failedAttempts", attempts - successful)
          .put("delivered", row == null ? 0 : row.getLong("delivered"))
          .put("failed", row == null ? 0 : row.getLong("failed")));
    }
    return series;
  }

  private static int[] ints(Integer[] values) {
    int[] result = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i] == null ? 0 : values[i];
    }
    return result;
  }
}
