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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the delivery log and acts on it (manual retry, replay). Ids carry their creation
 * time, so a lookup by id names its partition and touches no other.
 */
public final class DeliveryLog {

  private static final String DELIVERY_COLUMNS = """
      d.id, d.created_at, d.event_id, d.webhook_id, d.event, d.status, d.attempt_count,
      d.next_attempt_at, d.completed_at, d.last_result, d.last_status_code, d.status_reason
      """;
  private static final String SELECT_DELIVERY = "SELECT " + DELIVERY_COLUMNS + """
      , e.body FROM deliveries d
      JOIN events e ON e.id = d.event_id AND e.created_at = d.created_at
      WHERE d.id = $1 AND d.created_at = $2 AND d.account_id = $3
      """;
  private static final String SELECT_ATTEMPTS = """
      SELECT number, started_at, duration_ms, result, status_code, response_snippet, error
      FROM attempts WHERE delivery_id = $1 AND delivery_created_at = $2
      ORDER BY number
      """;
  private static final String SELECT_EVENT = """
      SELECT id, created_at, event, body, test_webhook_id FROM events
      WHERE id = $1 AND created_at = $2 AND account_id = $3
      """;
  /** An event's deliveries have its account and time: deliveries_log_by_account finds them. */
  private static final String SELECT_EVENT_DELIVERIES = "SELECT " + DELIVERY_COLUMNS + """
      FROM deliveries d
      WHERE d.account_id = $3 AND d.created_at = $2 AND d.event_id = $1
      ORDER BY d.id
      """;
  /**
   * Makes a finished delivery pending again, due now ($3). A delivery being attempted right
   * now is left alone. Its webhook must still be enabled.
   */
  private static final String RETRY = """
      UPDATE deliveries d SET status = 'pending', next_attempt_at = $3, completed_at = NULL,
                              status_reason = NULL
      WHERE d.id = $1 AND d.created_at = $2 AND d.account_id = $4
        AND (d.status <> 'pending' OR d.lease_owner IS NULL)
        AND EXISTS (SELECT 1 FROM webhooks w
                    WHERE w.id = d.webhook_id AND w.enabled AND w.deleted_at IS NULL)
      RETURNING d.id
      """;
  /** Failed deliveries of webhook $1 (account $2) created in [$3, $4) become due at $5. */
  private static final String REPLAY = """
      UPDATE deliveries SET status = 'pending', next_attempt_at = $5, completed_at = NULL,
                            status_reason = NULL
      WHERE webhook_id = $1 AND account_id = $2 AND status = 'failed'
        AND created_at >= $3 AND created_at < $4
      """;

  /** The statuses of a delivery. */
  public static final List<String> STATUSES =
      List.of("pending", "succeeded", "failed", "cancelled");

  /** Filters of the delivery list; null means any. */
  public record Filter(String webhookId, String status, String event, Instant since,
      Instant until, String cursor, int limit) {
  }

  private final Pool pool;
  private final Clock clock;

  public DeliveryLog(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * Deliveries newest first, one page, with the cursor of the next one. The order is
   * (created_at, id) descending: the partition key first, so the planner reads the daily
   * partitions newest first and stops when the page is full, and the cursor is the exact
   * (created_at, id) of the last row, so a page never repeats or skips a row whatever is
   * inserted meanwhile (new deliveries sort before the cursor). The status, one of four
   * known words, is written into the statement so the partial indexes of failed and
   * cancelled deliveries apply.
   */
  public Future<JsonObject> list(String accountId, Filter filter) {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT ").append(DELIVERY_COLUMNS)
        .append(" FROM deliveries d WHERE d.account_id = $1");
    params.add(accountId);
    if (filter.webhookId() != null) {
      params.add(filter.webhookId());
      sql.append(" AND d.webhook_id = $").append(params.size());
    }
    if (filter.status() != null) {
      sql.append(" AND d.status = '").append(knownStatus(filter.status())).append('\'');
    }
    if (filter.event() != null) {
      params.add(filter.event());
      sql.append(" AND d.event = $").append(params.size());
    }
    if (filter.since() != null) {
      params.add(utc(filter.since()));
      sql.append(" AND d.created_at >= $").append(params.size());
    }
    if (filter.until() != null) {
      params.add(utc(filter.until()));
      sql.append(" AND d.created_at < $").append(params.size());
    }
    Cursor cursor = Cursor.parse(filter.cursor());
    if (cursor != null) {
      params.add(utc(cursor.createdAt()));
      params.add(cursor.id());
      int at = params.size() - 1;
      sql.append(" AND d.created_at <= $").append(at)
          .append(" AND (d.created_at, d.id) < ($").append(at).append(", $").append(at + 1)
          .append(')');
    }
    params.add(filter.limit() + 1);
    sql.append(" ORDER BY d.created_at DESC, d.id DESC LIMIT $").append(params.size());
    return pool.preparedQuery(sql.toString()).execute(Tuple.tuple(params))
        .map(rows -> page(rows, filter.limit()));
  }

  private static JsonObject page(Iterable<Row> rows, int limit) {
    JsonArray data = new JsonArray();
    Row last = null;
    int count = 0;
    for (Row row : rows) {
      if (count++ == limit) {
        return new JsonObject().put("data", data).put("nextCursor", Cursor.of(last).text());
      }
      data.add(deliveryJson(row));
      last = row;
    }
    return new JsonObject().put("data", data).putNull("nextCursor");
  }

  private static String knownStatus(String status) {
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException("not a delivery status: " + status);
    }
    return status;
  }

  /**
   * Where a page of the delivery list ends: the exact creation time (microseconds) and id
   * of its last delivery. Its text is opaque to clients.
   */
  public record Cursor(Instant createdAt, String id) {

    static Cursor of(Row row) {
      return new Cursor(row.getOffsetDateTime("created_at").toInstant(), row.getString("id"));
    }

    String text() {
      long micros = ChronoUnit.MICROS.between(Instant.EPOCH, createdAt);
      return Long.toString(micros, 36) + "." + id;
    }

    /** The cursor of that text; null for none; IllegalArgumentException when malformed. */
    public static Cursor parse(String text) {
      if (text == null) {
        return null;
      }
      int dot = text.indexOf('.');
      String id = dot < 0 ? null : text.substring(dot + 1);
      if (id == null || Ids.createdAt(Ids.DELIVERY, id) == null) {
        throw new IllegalArgumentException("not a cursor of this list");
      }
      try {
        long micros = Long.parseLong(text.substring(0, dot), 36);
        return new Cursor(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), id);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a cursor of this list", e);
      }
    }
  }

  /** One delivery with its attempts and the body sent, or null. */
  public Future<JsonObject> delivery(String accountId, String id) {
    Instant createdAt = Ids.createdAt(Ids.DELIVERY, id);
    if (createdAt == null) {
      return Future.succeededFuture(null);
    }
    return pool.preparedQuery(SELECT_DELIVERY).execute(Tuple.of(id, utc(createdAt), accountId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          Row row = rows.iterator().next();
          JsonObject delivery = deliveryJson(row).put("body", row.getString("body"));
          return pool.preparedQuery(SELECT_ATTEMPTS).execute(Tuple.of(id, utc(createdAt)))
              .map(attempts -> {
                JsonArray list = new JsonArray();
                for (Row attempt : attempts) {
                  list.add(new JsonObject()
                      .put("number", attempt.getInteger("number"))
                      .put("startedAt", iso(attempt.getOffsetDateTime("started_at")))
                      .put("durationMs", attempt.getInteger("duration_ms"))
                      .put("result", attempt.getString("result"))
                      .put("statusCode", attempt.getInteger("status_code"))
                      .put("responseSnippet", attempt.getString("response_snippet"))
                      .put("error", attempt.getString("error")));
                }
                return delivery.put("attempts", list);
              });
        });
  }

  /** One event with its deliveries, or null. */
  public Future<JsonObject> event(String accountId, String id) {
    Instant createdAt = Ids.createdAt(Ids.EVENT, id);
    if (createdAt == null) {
      return Future.succeededFuture(null);
    }
    return pool.preparedQuery(SELECT_EVENT).execute(Tuple.of(id, utc(createdAt), accountId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          Row row = rows.iterator().next();
          JsonObject body = new JsonObject(row.getString("body"));
          JsonObject event = new JsonObject()
              .put("id", row.getString("id"))
              .put("event", row.getString("event"))
              .put("payload", body.getValue("payload"))
              .put("timestamp", body.getString("timestamp"))
              .put("receivedAt", iso(row.getOffsetDateTime("created_at")))
              .put("test", row.getString("test_webhook_id") != null);
          return pool.preparedQuery(SELECT_EVENT_DELIVERIES)
              .execute(Tuple.of(id, utc(createdAt), accountId))
              .map(deliveries -> {
                JsonArray list = new JsonArray();
                deliveries.forEach(delivery -> list.add(deliveryJson(delivery)));
                return event.put("deliveries", list);
              });
        });
  }

  /**
   * Schedules one more attempt now. Answers false when there is no such delivery of the
   * account or its webhook is deleted or disabled.
   */
  public Future<Boolean> retry(String accountId, String id) {
    Instant createdAt = Ids.createdAt(Ids.DELIVERY, id);
    if (createdAt == null) {
      return Future.succeededFuture(false);
    }
    return pool.preparedQuery(RETRY)
        .execute(Tuple.of(id, utc(createdAt), utc(clock.instant()), accountId))
        .map(rows -> rows.size() > 0);
  }

  /** Makes the failed deliveries of a window due now; answers how many. */
  public Future<Integer> replay(String accountId, String webhookId, Instant since,
      Instant until) {
    return pool.preparedQuery(REPLAY)
        .execute(Tuple.of(webhookId, accountId, utc(since), utc(until), utc(clock.instant())))
        .map(rows -> rows.rowCount());
  }

  static JsonObject deliveryJson(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("webhookId", row.getString("webhook_id"))
        .put("eventId", row.getString("event_id"))
        .put("event", row.getString("event"))
        .put("status", row.getString("status"))
        .put("attemptCount", row.getInteger("attempt_count"))
        .put("nextAttemptAt", row.getString("status").equals("pending")
            ? iso(row.getOffsetDateTime("next_attempt_at")) : null)
        .put("lastResult", row.getString("last_result"))
        .put("lastStatusCode", row.getInteger("last_status_code"))
        .put("statusReason", row.getString("status_reason"))
        .put("createdAt", iso(row.getOffsetDateTime("created_at")))
        .put("completedAt", iso(row.getOffsetDateTime("completed_at")));
  }
}
