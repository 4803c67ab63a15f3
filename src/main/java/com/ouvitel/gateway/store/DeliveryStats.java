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
import java.util.Map;

/** Delivery statistics of one webhook over a window: counts, rates, latency, a series. */
public final class DeliveryStats {

  private static final Map<String, Duration> WINDOWS = Map.of(
      "1h", Duration.ofHours(1), "24h", Duration.ofHours(24),
      "7d", Duration.ofDays(7), "30d", Duration.ofDays(30));

  /** $1 webhook, $2 account, $3 window start. */
  private static final String DELIVERY_COUNTS = """
      SELECT count(*) FILTER (WHERE status = 'succeeded') AS delivered,
             count(*) FILTER (WHERE status = 'failed') AS failed,
             count(*) FILTER (WHERE status = 'pending') AS pending
      FROM deliveries WHERE webhook_id = $1 AND account_id = $2 AND created_at >= $3
      """;
  /** $1 webhook, $2 window start. */
  private static final String ATTEMPTS = """
      SELECT result, count(*) AS attempts,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
             percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
             percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
      FROM attempts WHERE webhook_id = $1 AND started_at >= $2
      GROUP BY result
      """;
  /** $1 webhook, $2 window start, $3 bucket width as an interval text. */
  private static final String SERIES = """
      SELECT date_bin($3::interval, started_at, $2) AS bucket,
             count(*) FILTER (WHERE result = 'success') AS delivered,
             count(*) FILTER (WHERE result <> 'success') AS failed
      FROM attempts WHERE webhook_id = $1 AND started_at >= $2
      GROUP BY bucket ORDER BY bucket
      """;

  private final Pool pool;
  private final Clock clock;

  public DeliveryStats(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  public Future<JsonObject> forWebhook(String accountId, String webhookId, String window) {
    Duration length = WINDOWS.get(window);
    Instant since = clock.instant().minus(length);
    String bucket = length.toHours() <= 1 ? "5 minutes" : length.toDays() <= 1 ? "1 hour"
        : "1 day";
    JsonObject stats = new JsonObject().put("window", window).put("since", iso(since));
    return pool.preparedQuery(DELIVERY_COUNTS)
        .execute(Tuple.of(webhookId, accountId, utc(since)))
        .compose(rows -> {
          Row row = rows.iterator().next();
          long delivered = row.getLong("delivered");
          long failed = row.getLong("failed");
          stats.put("delivered", delivered).put("failed", failed)
              .put("pending", row.getLong("pending"))
              .put("successRate", delivered + failed == 0 ? null
                  : (double) delivered / (delivered + failed));
          return pool.preparedQuery(ATTEMPTS).execute(Tuple.of(webhookId, utc(since)));
        })
        .compose(rows -> {
          JsonObject byResult = new JsonObject();
          JsonObject latency = new JsonObject().putNull("p50").putNull("p95").putNull("p99");
          for (Row row : rows) {
            byResult.put(row.getString("result"), row.getLong("attempts"));
            if (row.getString("result").equals("success")) {
              latency.put("p50", row.getInteger("p50")).put("p95", row.getInteger("p95"))
                  .put("p99", row.getInteger("p99"));
            }
          }
          stats.put("attemptsByResult", byResult).put("latencyMs", latency);
          return pool.preparedQuery(SERIES).execute(Tuple.of(webhookId, utc(since), bucket));
        })
        .map(rows -> {
          JsonArray series = new JsonArray();
          for (Row row : rows) {
            series.add(new JsonObject()
                .put("start", iso(row.getOffsetDateTime("bucket")))
                .put("delivered", row.getLong("delivered"))
                .put("failed", row.getLong("failed")));
          }
          return stats.put("series", series);
        });
  }
}
