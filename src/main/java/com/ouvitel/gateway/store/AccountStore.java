package com.ouvitel.gateway.store;

import static com.ouvitel.gateway.store.StoreTime.iso;
import static com.ouvitel.gateway.store.StoreTime.utc;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** Accounts, their licences and API keys. */
public final class AccountStore {

  private static final String INSERT_ACCOUNT = """
      INSERT INTO accounts (id, name, license, created_at) VALUES ($1, $2, $3, $4)
      RETURNING *
      """;
  private static final String INSERT_KEY = """
      INSERT INTO api_keys (key_hash, account_id, created_at) VALUES ($1, $2, $3)
      """;
  private static final String SELECT_ACCOUNT = "SELECT * FROM accounts WHERE id = $1";
  private static final String SELECT_BY_KEY = """
      SELECT a.id, a.license FROM api_keys k JOIN accounts a ON a.id = k.account_id
      WHERE k.key_hash = $1
      """;
  private static final String UPDATE_LICENSE = """
      UPDATE accounts SET license = $2 WHERE id = $1 RETURNING *
      """;
  /** On a downgrade: $1 account, $2 time. Webhooks are disabled, pending work cancelled. */
  private static final String DISABLE_WEBHOOKS = """
      UPDATE webhooks SET enabled = false, disabled_reason = 'license_downgraded',
                          updated_at = $2
      WHERE account_id = $1 AND enabled AND deleted_at IS NULL
      RETURNING id
      """;
  private static final String CANCEL_DELIVERIES = """
      UPDATE deliveries SET status = 'cancelled', status_reason = 'license_downgraded',
                            completed_at = $2, next_attempt_at = NULL, lease_owner = NULL,
                            lease_expires_at = NULL
      WHERE webhook_id = ANY($1) AND status = 'pending'
      """;

  /** The account an API key belongs to. */
  public record Principal(String accountId, boolean premium) {
  }

  private static final long AUTHENTICATION_TIMEOUT_SECONDS = 5;

  private final Pool pool;
  private final Clock clock;

  public AccountStore(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** Creates an account and its first API key, shown only in this answer. */
  public Future<JsonObject> create(String name, String license) {
    Instant now = clock.instant();
    String id = Ids.next(Ids.ACCOUNT, now);
    String apiKey = newApiKey();
    return pool.withTransaction(connection -> connection.preparedQuery(INSERT_ACCOUNT)
        .execute(Tuple.of(id, name, license, utc(now)))
        .compose(rows -> connection.preparedQuery(INSERT_KEY)
            .execute(Tuple.of(Buffer.buffer(hash(apiKey)), id, utc(now)))
            .map(ignored -> toJson(rows.iterator().next()).put("apiKey", apiKey))));
  }

  /** A further API key for an account, or null when there is no such account. */
  public Future<String> addKey(String accountId) {
    String apiKey = newApiKey();
    return find(accountId).compose(account -> account == null ? Future.succeededFuture(null)
        : pool.preparedQuery(INSERT_KEY)
            .execute(Tuple.of(Buffer.buffer(hash(apiKey)), accountId, utc(clock.instant())))
            .map(ignored -> apiKey));
  }

  public Future<JsonObject> find(String id) {
    return pool.preparedQuery(SELECT_ACCOUNT).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /**
   * Changes the licence. A downgrade to best_effort disables the account's webhooks and
   * cancels their pending deliveries, and answers the ids of the webhooks it stopped.
   */
  public Future<Changed> changeLicense(String id, String license) {
    Instant now = clock.instant();
    return pool.withTransaction(connection -> connection.preparedQuery(UPDATE_LICENSE)
        .execute(Tuple.of(id, license))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          JsonObject account = toJson(rows.iterator().next());
          if (license.equals("premium")) {
            return Future.succeededFuture(new Changed(account, new String[0]));
          }
          return connection.preparedQuery(DISABLE_WEBHOOKS).execute(Tuple.of(id, utc(now)))
              .compose(disabled -> {
                String[] ids = new String[disabled.size()];
                int i = 0;
                for (Row row : disabled) {
                  ids[i++] = row.getString("id");
                }
                return connection.preparedQuery(CANCEL_DELIVERIES)
                    .execute(Tuple.of(ids, utc(now)))
                    .map(ignored -> new Changed(account, ids));
              });
        }));
  }

  /** An account after a licence change, and the webhooks the change disabled. */
  public record Changed(JsonObject account, String[] disabledWebhooks) {
  }

  /**
   * The account of an API key, or null when the key is unknown. Bounded in time, so that a
   * database that stopped answering turns into a 503 instead of a request that hangs.
   */
  public Future<Principal> authenticate(String apiKey) {
    return pool.preparedQuery(SELECT_BY_KEY).execute(Tuple.of(Buffer.buffer(hash(apiKey))))
        .timeout(AUTHENTICATION_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row row = rows.iterator().next();
          return new Principal(row.getString("id"), row.getString("license").equals("premium"));
        });
  }

  private static String newApiKey() {
    return "ouv_" + Base64.getUrlEncoder().withoutPadding().encodeToString(Ids.randomBytes(32));
  }

  /** SHA-256 of a key: enough for random 256-bit keys, and what the table stores. */
  public static byte[] hash(String apiKey) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(apiKey.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("name", row.getString("name"))
        .put("license", row.getString("license"))
        .put("createdAt", iso(row.getOffsetDateTime("created_at")));
  }
}
