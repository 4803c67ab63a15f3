package com.ouvitel.gateway.store;

import static com.ouvitel.gateway.store.StoreTime.iso;
import static com.ouvitel.gateway.store.StoreTime.utc;

import com.ouvitel.gateway.management.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** Webhooks of an account. Every query is scoped to the account: a foreign id is missing. */
public final class WebhookStore {

  /** How long the secret before a rotation keeps signing beside the new one. */
  public static final Duration ROTATION_OVERLAP = Duration.ofHours(24);

  /**
   * How long after its cool-down an open circuit reads as half-open (a probe attempt is due)
   * before it reads as closed: past that, the pod that opened it has stopped.
   */
  static final Duration PROBE_WINDOW = Duration.ofMinutes(1);

  private static final String INSERT = withCircuit("""
      INSERT INTO webhooks (id, account_id, url, events, description, enabled, secret,
                            created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, true, $6, $7, $7)
      RETURNING *
      """);
  /** $1 account, $2 cursor (exclusive, '' for the first page), $3 page size + 1. */
  private static final String LIST = withCircuit("""
      SELECT * FROM webhooks
      WHERE account_id = $1 AND deleted_at IS NULL AND id > $2
      ORDER BY id LIMIT $3
      """) + " ORDER BY w.id";
  private static final String SELECT = withCircuit("""
      SELECT * FROM webhooks WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL
      """);
  /**
   * $1 id, $2 account, $3 url, $4 events, $5 description, $6 enabled (null keeps each),
   * $7 time. Enabling clears the reason it was disabled for.
   */
  private static final String UPDATE = withCircuit("""
      UPDATE webhooks SET
        url = coalesce($3, url),
        events = coalesce($4, events),
        description = coalesce($5, description),
        enabled = coalesce($6, enabled),
        disabled_reason = CASE WHEN $6 IS NULL THEN disabled_reason
                               WHEN $6 THEN NULL ELSE 'disabled_by_customer' END,
        updated_at = $7
      WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL
      RETURNING *
      """);
  private static final String DELETE = """
      UPDATE webhooks SET deleted_at = $3, enabled = false, disabled_reason = 'deleted',
                          updated_at = $3
      WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL
      RETURNING id
      """;
  private static final String CANCEL_PENDING = """
      UPDATE deliveries SET status = 'cancelled', status_reason = $2, completed_at = $3,
                            next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL
      WHERE webhook_id = $1 AND status = 'pending'
      RETURNING event
      """;
  private static final String ROTATE = """
      UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = $4,
                          secret = $3, updated_at = $5
      WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL
      RETURNING *
      """;

  /** Adds the circuit of each webhook's URL, if one is open, to a query of webhook rows. */
  private static String withCircuit(String webhooks) {
    return """
        WITH w AS (%s)
        SELECT w.*, c.opened_at AS circuit_opened_at, c.open_until AS circuit_open_until,
               c.failures_in_a_row AS circuit_failures
        FROM w LEFT JOIN endpoint_circuits c ON c.url = w.url""".formatted(webhooks.strip());
  }

  private final Pool pool;
  private final Clock clock;
  private final GatewayMetrics metrics;

  public WebhookStore(Pool pool, Clock clock, GatewayMetrics metrics) {
    this.pool = pool;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** A new secret: {@code whsec_} and the base64 of 32 random bytes. */
  public static String newSecret() {
    return "whsec_" + Base64.getEncoder().encodeToString(Ids.randomBytes(32));
  }

  public Future<JsonObject> create(String accountId, String url, List<String> events,
      String description) {
    Instant now = clock.instant();
    String secret = newSecret();
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(Ids.next(Ids.WEBHOOK, now), accountId, url,
            events.toArray(new String[0]), description, secret, utc(now)))
        .map(rows -> toJson(rows.iterator().next(), now).put("secret", secret));
  }

  public Future<JsonObject> list(String accountId, String cursor, int limit) {
    return pool.preparedQuery(LIST)
        .execute(Tuple.of(accountId, cursor == null ? "" : cursor, limit + 1))
        .map(rows -> page(rows, limit, clock.instant()));
  }

  public Future<JsonObject> find(String accountId, String id) {
    return pool.preparedQuery(SELECT).execute(Tuple.of(id, accountId))
        .map(rows -> rows.size() == 0 ? null
            : toJson(rows.iterator().next(), clock.instant()));
  }

  /** Changes the given fields (null leaves one as it is); null when there is no webhook. */
  public Future<JsonObject> update(String accountId, String id, String url,
      List<String> events, String description, Boolean enabled) {
    Instant now = clock.instant();
    Tuple params = Tuple.of(id, accountId, url,
        events == null ? null : events.toArray(new String[0]), description, enabled)
        .addValue(utc(now));
    return pool.withTransaction(connection -> connection.preparedQuery(UPDATE).execute(params)
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          JsonObject webhook = toJson(rows.iterator().next(), now);
          if (!Boolean.FALSE.equals(enabled)) {
            return Future.succeededFuture(webhook);
          }
          return connection.preparedQuery(CANCEL_PENDING)
              .execute(Tuple.of(id, "webhook_disabled", utc(now)))
              .onSuccess(metrics::deliveriesCancelled)
              .map(ignored -> webhook);
        }));
  }

  /** Deletes a webhook and cancels its pending deliveries; false when there is none. */
  public Future<Boolean> delete(String accountId, String id) {
    Instant now = clock.instant();
    return pool.withTransaction(connection -> connection.preparedQuery(DELETE)
        .execute(Tuple.of(id, accountId, utc(now)))
        .compose(rows -> rows.size() == 0 ? Future.succeededFuture(false)
            : connection.preparedQuery(CANCEL_PENDING)
                .execute(Tuple.of(id, "webhook_deleted", utc(now)))
                .onSuccess(metrics::deliveriesCancelled)
                .map(ignored -> true)));
  }

  /** The current secret and, during a rotation, when the previous one stops signing. */
  public Future<JsonObject> secret(String accountId, String id) {
    return pool.preparedQuery(SELECT).execute(Tuple.of(id, accountId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return secretJson(row);
    });
  }

  /** A new secret; the old one keeps signing beside it for {@link #ROTATION_OVERLAP}. */
  public Future<JsonObject> rotate(String accountId, String id) {
    Instant now = clock.instant();
    return pool.preparedQuery(ROTATE)
        .execute(Tuple.of(id, accountId, newSecret(), utc(now.plus(ROTATION_OVERLAP)),
            utc(now)))
        .map(rows -> rows.size() == 0 ? null : secretJson(rows.iterator().next()));
  }

  private JsonObject secretJson(Row row) {
    Instant expires = StoreTime.instant(row.getOffsetDateTime("previous_secret_expires_at"));
    boolean overlapping = expires != null && expires.isAfter(clock.instant());
    return new JsonObject()
        .put("secret", row.getString("secret"))
        .put("previousSecretExpiresAt", overlapping ? iso(expires) : null);
  }

  private static JsonObject page(RowSet<Row> rows, int limit, Instant now) {
    JsonArray data = new JsonArray();
    String last = null;
    int count = 0;
    for (Row row : rows) {
      if (count++ == limit) {
        return new JsonObject().put("data", data).put("nextCursor", last);
      }
      data.add(toJson(row, now));
      last = row.getString("id");
    }
    return new JsonObject().put("data", data).putNull("nextCursor");
  }

  static JsonObject toJson(Row row, Instant now) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("url", row.getString("url"))
        .put("events", new JsonArray(Arrays.asList(row.getArrayOfStrings("events"))))
        .put("description", row.getString("description"))
        .put("enabled", row.getBoolean("enabled"))
        .put("disabledReason", row.getString("disabled_reason"))
        .put("createdAt", iso(row.getOffsetDateTime("created_at")))
        .put("updatedAt", iso(row.getOffsetDateTime("updated_at")))
        .put("circuit", circuitJson(row, now));
  }

  /**
   * The circuit of the webhook's URL: {@code closed}; {@code open} while deliveries wait out
   * the cool-down without spending attempts; {@code half_open} once it is over and one probe
   * attempt decides.
   */
  private static JsonObject circuitJson(Row row, Instant now) {
    Instant openUntil = StoreTime.instant(row.getOffsetDateTime("circuit_open_until"));
    if (openUntil == null || !openUntil.plus(PROBE_WINDOW).isAfter(now)) {
      return new JsonObject().put("state", "closed");
    }
    return new JsonObject()
        .put("state", openUntil.isAfter(now) ? "open" : "half_open")
        .put("openedAt", iso(row.getOffsetDateTime("circuit_opened_at")))
        .put("openUntil", iso(openUntil))
        .put("failuresInARow", row.getInteger("circuit_failures"));
  }
}
