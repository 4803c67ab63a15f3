package com.ouvitel.gateway.retention;

import static com.ouvitel.gateway.store.StoreTime.utc;

import com.ouvitel.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of partition maintenance: creates the daily partitions ahead, moves rows that
 * landed in the default partitions into their day, drops the days older than the retention
 * and prunes idempotency keys and statistics roll-ups of the same age.
 *
 * <p>One pod at a time runs it (a session advisory lock on its own connection; a pod that
 * does not get the lock skips the run). Every DDL transaction sets a short lock_timeout, so
 * the job never waits long in the lock queue of a logged table, where ingest and dispatch
 * would queue behind it; a day that times out is tried again on the next run.
 *
 * <p>A day whose deliveries are not all finished is not dropped: it is postponed, with its
 * events and attempts, until its last pending delivery ends. The check and the drop run in
 * one transaction that holds the day's deliveries against writers, so a retry cannot make a
 * delivery pending in between. Rows are never moved between days, because the creation time
 * in every id names the partition that holds the row.
 */
public final class RetentionJob {

  private static final Logger LOG = LoggerFactory.getLogger(RetentionJob.class);
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
  private static final String LOCK_NOT_AVAILABLE = "55P03";
  private static final int PRUNE_BATCH = 5000;
  private static final Duration MINUTE_ROLLUPS_KEPT = Duration.ofDays(2);

  /** Settings of the job, from configuration. */
  public record Settings(int retentionDays, int daysAhead, Duration lockTimeout,
      Duration interval) {

    public static Settings from(GatewayConfig config) {
      return new Settings(config.integer("retention_days"),
          config.integer("partitions_ahead_days"), config.duration("retention_lock_timeout"),
          config.duration("retention_interval"));
    }
  }

  /** What one run did. */
  public record Report(boolean ran, int partitionsCreated, List<LocalDate> dropped,
      List<LocalDate> postponed, List<LocalDate> timedOut, long keysPruned,
      long rollupsPruned) {

    static Report skipped() {
      return new Report(false, 0, List.of(), List.of(), List.of(), 0, 0);
    }
  }

  private final Supplier<Future<SqlConnection>> connections;
  private final Clock clock;
  private final Settings settings;

  public RetentionJob(Supplier<Future<SqlConnection>> connections, Clock clock,
      Settings settings) {
    this.connections = connections;
    this.clock = clock;
    this.settings = settings;
  }

  /** Runs once, on a connection of its own that is closed afterwards (freeing the lock). */
  public Future<Report> run() {
    return connections.get().compose(connection -> runLocked(connection)
        .eventually(() -> connection.close()));
  }

  private Future<Report> runLocked(SqlConnection connection) {
    return connection.preparedQuery(RetentionSql.TRY_LOCK)
        .execute(Tuple.of(RetentionSql.JOB_LOCK))
        .compose(rows -> {
          if (!rows.iterator().next().getBoolean("locked")) {
            LOG.debug("Another pod runs the retention job now; this pod skips its run");
            return Future.succeededFuture(Report.skipped());
          }
          return maintain(connection);
        });
  }

  private Future<Report> maintain(SqlConnection connection) {
    Instant now = clock.instant();
    LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
    Run run = new Run(connection, now);
    return run.createAhead(today)
        .compose(v -> run.emptyDefaultPartitions())
        .compose(v -> run.dropOldDays(now.minus(Duration.ofDays(settings.retentionDays()))))
        .compose(v -> run.pruneKeys())
        .compose(v -> run.pruneRollups())
        .map(v -> run.report())
        .onSuccess(this::logReport);
  }

  private void logReport(Report report) {
    if (!report.dropped().isEmpty() || !report.postponed().isEmpty()
        || report.partitionsCreated() > 0 || !report.timedOut().isEmpty()) {
      LOG.info("Retention: created {} partitions, dropped days {}, postponed days {} (they "
          + "hold pending deliveries), lock timeouts on {} (tried again next run), pruned {} "
          + "idempotency keys and {} roll-up rows", report.partitionsCreated(),
          report.dropped(), report.postponed(), report.timedOut(), report.keysPruned(),
          report.rollupsPruned());
    }
  }

  /** The state of one run. */
  private final class Run {
    final SqlConnection connection;
    final Instant now;
    int created;
    final List<LocalDate> dropped = new ArrayList<>();
    final List<LocalDate> postponed = new ArrayList<>();
    final List<LocalDate> timedOut = new ArrayList<>();
    long keys;
    long rollups;

    Run(SqlConnection connection, Instant now) {
      this.connection = connection;
      this.now = now;
    }

    Report report() {
      return new Report(true, created, dropped, postponed, timedOut, keys, rollups);
    }

    /** Yesterday to daysAhead days after today, so a late clock still finds its day. */
    Future<Void> createAhead(LocalDate today) {
      return ensure(today.minusDays(1), settings.daysAhead() + 2);
    }

    Future<Void> ensure(LocalDate first, int days) {
      return inTransaction(tx -> tx.preparedQuery(RetentionSql.ENSURE_PARTITIONS)
          .execute(Tuple.of(first, days)).map(rows -> rows.iterator().next()
              .getInteger("created")))
          .<Void>map(count -> {
            created += count;
            return null;
          })
          .recover(error -> timedOut(error, first));
    }

    /** Rows of a day with no partition landed in the default one: give them their day. */
    Future<Void> emptyDefaultPartitions() {
      return connection.query(RetentionSql.DEFAULT_PARTITION_DAYS).execute()
          .compose(rows -> {
            Future<Void> chain = Future.succeededFuture();
            for (Row row : rows) {
              LocalDate day = row.getLocalDate("day");
              chain = chain.compose(v -> ensure(day, 1));
            }
            return chain;
          });
    }

    Future<Void> dropOldDays(Instant cutoff) {
      LocalDate firstKept = cutoff.atOffset(ZoneOffset.UTC).toLocalDate();
      return connection.query(RetentionSql.DELIVERY_PARTITION_DAYS).execute()
          .compose(rows -> {
            Future<Void> chain = Future.succeededFuture();
            for (Row row : rows) {
              LocalDate day = LocalDate.parse(row.getString("day"), DAY);
              if (day.isBefore(firstKept)) {
                chain = chain.compose(v -> dropDay(day));
              }
            }
            return chain;
          });
    }

    /** Drops one day's events, deliveries and attempts, unless a delivery is pending. */
    Future<Void> dropDay(LocalDate day) {
      String suffix = "_p" + DAY.format(day);
      String deliveries = "deliveries" + suffix;
      long began = System.nanoTime();
      return this.<Void>inTransaction(tx -> tx.query(
              RetentionSql.LOCK_DAY.formatted(deliveries))
          .execute()
          .compose(locked -> tx.query(RetentionSql.PENDING_OF_DAY.formatted(deliveries))
              .execute())
          .compose(rows -> {
            long pending = rows.iterator().next().getLong("pending");
            if (pending > 0) {
              LOG.info("Day {} is past the retention but holds {} pending deliveries; it is "
                  + "kept until they end", day, pending);
              postponed.add(day);
              return Future.<Void>succeededFuture();
            }
            return tx.query(RetentionSql.DROP_DAY.formatted("attempts" + suffix, deliveries,
                "events" + suffix)).execute().onSuccess(done -> dropped.add(day)).mapEmpty();
          }))
          .onSuccess(v -> LOG.info("Retention: day {} handled in {} ms (locks, pending check "
              + "and drop)", day, (System.nanoTime() - began) / 1_000_000))
          .recover(error -> timedOut(error, day));
    }

    Future<Void> pruneKeys() {
      Instant cutoff = now.minus(Duration.ofDays(settings.retentionDays()));
      return pruneInBatches(() -> connection.preparedQuery(RetentionSql.PRUNE_KEYS)
          .execute(Tuple.of(utc(cutoff), PRUNE_BATCH)).map(rows -> rows.rowCount()))
          .<Void>map(count -> {
            keys = count;
            return null;
          });
    }

    Future<Void> pruneRollups() {
      Instant minutes = now.minus(MINUTE_ROLLUPS_KEPT);
      Instant hours = now.minus(Duration.ofDays(settings.retentionDays()));
      return pruneInBatches(() -> pruneRollups("minute", minutes))
          .compose(count -> {
            rollups += count;
            return pruneInBatches(() -> pruneRollups("hour", hours));
          })
          .compose(count -> {
            rollups += count;
            return pruneInBatches(() -> pruneRollups("day", hours));
          })
          .<Void>map(count -> {
            rollups += count;
            return null;
          });
    }

    Future<Integer> pruneRollups(String unit, Instant before) {
      return connection.preparedQuery(RetentionSql.PRUNE_ROLLUPS)
          .execute(Tuple.of(unit, utc(before), PRUNE_BATCH)).map(rows -> rows.rowCount());
    }

    /** Repeats a batch delete (each its own short transaction) until a batch falls short. */
    Future<Long> pruneInBatches(Supplier<Future<Integer>> batch) {
      return batch.get().compose(count -> count < PRUNE_BATCH
          ? Future.succeededFuture((long) count)
          : pruneInBatches(batch).map(rest -> rest + count));
    }

    <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> work) {
      return connection.begin().compose(tx -> connection.preparedQuery(
              RetentionSql.LOCK_TIMEOUT)
          .execute(Tuple.of(String.valueOf(settings.lockTimeout().toMillis())))
          .compose(v -> work.apply(connection))
          .compose(result -> tx.commit().map(result),
              error -> tx.rollback().transform(ignored -> Future.failedFuture(error))));
    }

    /** A lock timeout is expected under load: the day is tried again on the next run. */
    Future<Void> timedOut(Throwable error, LocalDate day) {
      if (error instanceof PgException pg && LOCK_NOT_AVAILABLE.equals(pg.getSqlState())) {
        timedOut.add(day);
        return Future.succeededFuture();
      }
      return Future.failedFuture(error);
    }
  }
}
