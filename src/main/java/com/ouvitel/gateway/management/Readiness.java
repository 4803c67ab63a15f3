package com.ouvitel.gateway.management;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.TimeUnit;

/**
 * Whether this pod should get traffic: it has started (migrations applied, verticles
 * serving), it is not draining, PostgreSQL answers within 2 s, and the schema holds the
 * newest migration of this build. A newer schema, left by a newer pod during a rolling
 * upgrade, is fine: migrations only ever add.
 */
public final class Readiness {

  /** The answer of a check: ready or not, and the reason in one snake_case word. */
  public record State(boolean ready, String status) {
  }

  /** $1 the newest migration version of this build. */
  private static final String MIGRATED = """
      SELECT EXISTS (SELECT 1 FROM flyway_schema_history WHERE version = $1 AND success)
             AS migrated
      """;

  private volatile Pool pool;
  private volatile String schemaVersion;
  private volatile boolean serving;
  private volatile boolean draining;

  /** Start-up is over: the gateway serves with that pool and schema version. */
  public void serving(Pool pool, String schemaVersion) {
    this.pool = pool;
    this.schemaVersion = schemaVersion;
    this.serving = true;
  }

  /** The pod stops: readiness fails from now on, so that the Service stops routing here. */
  public void draining() {
    draining = true;
  }

  public Future<State> check() {
    if (draining) {
      return Future.succeededFuture(new State(false, "draining"));
    }
    if (!serving) {
      return Future.succeededFuture(new State(false, "starting"));
    }
    return pool.preparedQuery(MIGRATED).execute(Tuple.of(schemaVersion))
        .timeout(2, TimeUnit.SECONDS)
        .map(rows -> rows.iterator().next().getBoolean("migrated")
            ? new State(true, "ready") : new State(false, "migrations_pending"))
        .otherwise(error -> new State(false, "database_unreachable"));
  }
}
