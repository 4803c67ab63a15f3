package com.ouvitel.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The PostgreSQL baseline: the rows the gateway writes, inserted raw in batches through the
 * same client (pipelined, {@code unnest} arrays), with nothing else in the way. Ingest writes
 * event rows; end to end also writes each event's deliveries, then their attempts and the
 * deliveries' final state, one transaction for each step as the gateway does.
 */
final class RawInserts implements AutoCloseable {

  private static final String EVENTS = """
      INSERT INTO events (id, created_at, account_id, event, body)
      SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])
      """;

  /** Events and $6 deliveries for each. */
  private static final String EVENTS_AND_DELIVERIES = """
      WITH e AS (
        INSERT INTO events (id, created_at, account_id, event, body)
        SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[],
                             $5::text[])
        RETURNING id, created_at
      )
      INSERT INTO deliveries (id, created_at, event_id, webhook_id, account_id, event, status,
                              next_attempt_at, lease_owner, lease_expires_at)
      SELECT 'dlv_' || substr(e.id, 5) || '_' || w, e.created_at, e.id, 'wh_raw' || w,
             'acct_raw', 'print.success', 'pending', e.created_at, 'raw',
             e.created_at + interval '30 seconds'
      FROM e, generate_series(1, $6) AS w
      """;

  /** The attempts of the deliveries of events $1 (created $2), and their final state. */
  private static final String OUTCOMES = """
      WITH d AS (
        SELECT 'dlv_' || substr(u.id, 5) || '_' || w AS id, u.created_at,
               'wh_raw' || w AS webhook_id
        FROM unnest($1::text[], $2::timestamptz[]) AS u (id, created_at),
             generate_series(1, $3) AS w
      ), logged AS (
        INSERT INTO attempts (delivery_id, delivery_created_at, number, webhook_id, started_at,
                              duration_ms, result, status_code)
        SELECT d.id, d.created_at, 1, d.webhook_id, now(), 1, 'success', 200 FROM d
      )
      UPDATE deliveries x SET status = 'succeeded', attempt_count = 1, next_attempt_at = NULL,
             completed_at = now(), last_result = 'success', last_status_code = 200,
             lease_owner = NULL, lease_expires_at = NULL
      FROM d WHERE x.id = d.id AND x.created_at = d.created_at
      """;

  private final Pool pool;
  private final int connections;
  private final AtomicLong ids = new AtomicLong();

  RawInserts(Vertx vertx, String url, int connections) {
    this.connections = connections;
    this.pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(connections))
        .connectingTo(PgConnectOptions.fromUri(url).setPipeliningLimit(256))
        .using(vertx)
        .build();
  }

  /**
   * Event rows per second over the window, inserting batches of that size on every
   * connection; with {@code fanOut > 0} deliveries and their outcomes too.
   */
  double eventsPerSecond(int batch, int fanOut, Duration window) {
    long deadline = System.nanoTime() + window.toNanos();
    long started = System.nanoTime();
    AtomicLong rows = new AtomicLong();
    List<Future<Void>> workers = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Promise<Void> done = Promise.promise();
      loop(batch, fanOut, deadline, rows, done);
      workers.add(done.future());
    }
    BenchReceiver.await(Future.all(workers));
    return rows.get() / ((System.nanoTime() - started) / 1e9);
  }

  private void loop(int batch, int fanOut, long deadline, AtomicLong rows,
      Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      done.complete();
      return;
    }
    write(batch, fanOut).onComplete(result -> {
      if (result.failed()) {
        done.fail(result.cause());
        return;
      }
      rows.addAndGet(batch);
      loop(batch, fanOut, deadline, rows, done);
    });
  }

  private Future<Void> write(int batch, int fanOut) {
    String[] eventIds = new String[batch];
    OffsetDateTime[] times = new OffsetDateTime[batch];
    String[] accounts = new String[batch];
    String[] types = new String[batch];
    String[] bodies = new String[batch];
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    for (int i = 0; i < batch; i++) {
      eventIds[i] = "evt_raw" + ProcessHandle.current().pid() + "_" + ids.incrementAndGet();
      times[i] = now;
      accounts[i] = "acct_raw";
      types[i] = "print.success";
      bodies[i] = EventBodies.event(System.nanoTime());
    }
    if (fanOut == 0) {
      return pool.preparedQuery(EVENTS)
          .execute(Tuple.of(eventIds, times, accounts, types, bodies)).mapEmpty();
    }
    return pool.preparedQuery(EVENTS_AND_DELIVERIES)
        .execute(Tuple.of(eventIds, times, accounts, types, bodies, fanOut))
        .compose(v -> pool.preparedQuery(OUTCOMES).execute(Tuple.of(eventIds, times, fanOut)))
        .mapEmpty();
  }

  @Override
  public void close() {
    pool.close();
  }
}
