package com.ouvitel.gateway.store;

import com.ouvitel.gateway.management.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the database's delivery backlog on one pod only. Every pod asks to hold the
 * reporter role (a row with a term, renewed at each measurement); the pod that holds it
 * counts the backlog and reports it, every other pod reports 0. Summed or maxed over pods,
 * the gauges then give the backlog once, and only one pod runs the counting query. When the
 * reporter stops it gives the role up; when it dies, another pod takes over once the term
 * has run out.
 */
public final class BacklogReporter {

  private static final Logger LOG = LoggerFactory.getLogger(BacklogReporter.class);

  /**
   * Takes or renews the role for pod $1 for $2 seconds; returns a row only when this pod
   * holds it now. A concurrent taker waits on the row lock and then sees the new term.
   */
  private static final String TAKE_ROLE = """
      INSERT INTO metrics_reporters AS r (role, pod_id, expires_at)
      VALUES ('backlog', $1, now() + make_interval(secs => $2))
      ON CONFLICT (role) DO UPDATE SET pod_id = EXCLUDED.pod_id,
                                       expires_at = EXCLUDED.expires_at
      WHERE r.pod_id = EXCLUDED.pod_id OR r.expires_at < now()
      RETURNING pod_id
      """;
  /** Gives the role of pod $1 up. */
  private static final String GIVE_UP_ROLE = """
      DELETE FROM metrics_reporters WHERE role = 'backlog' AND pod_id = $1
      """;

  private final Pool pool;
  private final Clock clock;
  private final String podId;
  private final Duration term;
  private final GatewayMetrics metrics;
  private boolean reporting;

  /** The term should cover a few measurement intervals, so one slow query loses nothing. */
  public BacklogReporter(Pool pool, Clock clock, String podId, Duration term,
      GatewayMetrics metrics) {
    this.pool = pool;
    this.clock = clock;
    this.podId = podId;
    this.term = term;
    this.metrics = metrics;
  }

  /** Takes or renews the role and, holding it, measures the backlog into the gauges. */
  public Future<Void> measure() {
    return pool.preparedQuery(TAKE_ROLE).execute(Tuple.of(podId, (double) term.toSeconds()))
        .compose(rows -> {
          boolean holds = rows.size() == 1;
          noteRole(holds);
          if (!holds) {
            metrics.notBacklogReporter();
            return Future.succeededFuture();
          }
          return countBacklog();
        })
        .onFailure(error -> {
          // Another pod takes over when this one cannot reach the database for a term.
          metrics.notBacklogReporter();
          LOG.debug("Backlog not measured: {}", error.getMessage());
        });
  }

  /** Gives the role up, so that another pod reports from its next measurement. */
  public Future<Void> giveUp() {
    metrics.notBacklogReporter();
    return pool.preparedQuery(GIVE_UP_ROLE).execute(Tuple.of(podId)).mapEmpty();
  }

  private Future<Void> countBacklog() {
    return pool.preparedQuery(PipelineSql.BACKLOG)
        .execute(Tuple.of(PersistenceVerticle.utc(clock.instant())))
        .map(rows -> {
          Row row = rows.iterator().next();
          OffsetDateTime oldest = row.getOffsetDateTime("oldest");
          long age = oldest == null ? 0
              : Math.max(0, Duration.between(oldest.toInstant(), clock.instant()).toSeconds());
          metrics.backlog(row.getLong("pending"), age);
          return null;
        });
  }

  private void noteRole(boolean holds) {
    if (holds != reporting) {
      reporting = holds;
      LOG.info(holds ? "Pod {} now reports the delivery backlog gauges"
          : "Pod {} no longer reports the delivery backlog gauges", podId);
    }
  }
}
