package com.ouvitel.gateway.store;

import static com.ouvitel.gateway.store.StoreTime.utc;

import com.ouvitel.gateway.store.Messages.CircuitChange;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the circuit changes of this pod's dispatcher to {@code endpoint_circuits}, one after
 * the other so that an opening and the closing after it land in that order, and reads the
 * circuits open there, so that every pod holds the deliveries of an endpoint that one pod
 * found broken, and a restarted pod keeps holding them. An opening keeps the latest end of
 * the cool-down any pod set; a closing (an endpoint that answered again, on any pod) removes
 * the row.
 */
final class CircuitStore {

  private static final Logger LOG = LoggerFactory.getLogger(CircuitStore.class);

  /** $1 url, $2 opened, $3 open until, $4 failures in a row, $5 time. */
  private static final String OPEN = """
      INSERT INTO endpoint_circuits (url, opened_at, open_until, failures_in_a_row,
                                     updated_at)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (url) DO UPDATE SET
        opened_at = CASE WHEN endpoint_circuits.open_until < EXCLUDED.opened_at
                         THEN EXCLUDED.opened_at
                         ELSE least(endpoint_circuits.opened_at, EXCLUDED.opened_at) END,
        open_until = greatest(endpoint_circuits.open_until, EXCLUDED.open_until),
        failures_in_a_row = EXCLUDED.failures_in_a_row,
        updated_at = EXCLUDED.updated_at
      """;
  private static final String CLOSE = "DELETE FROM endpoint_circuits WHERE url = $1";
  private static final String OPEN_NOW =
      "SELECT url, open_until FROM endpoint_circuits WHERE open_until > $1";

  private final Pool pool;
  private Future<Void> writing = Future.succeededFuture();

  CircuitStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * The circuits written down as open or half-open at that time (any pod's, cool-down ended
   * less than {@link WebhookStore#PROBE_WINDOW} ago): when each cool-down ends, by URL. The
   * half-open ones are there so that a success on any pod can close them.
   */
  Future<Map<String, Instant>> openAt(Instant now) {
    return pool.preparedQuery(OPEN_NOW).execute(Tuple.of(utc(now.minus(
        WebhookStore.PROBE_WINDOW)))).map(rows -> {
      Map<String, Instant> open = new HashMap<>();
      rows.forEach(row -> open.put(row.getString("url"),
          row.getOffsetDateTime("open_until").toInstant()));
      return open;
    });
  }

  /** Queues the change behind those before it; a failed write is logged, not retried. */
  void record(CircuitChange change) {
    writing = writing.transform(ignored -> write(change));
  }

  private Future<Void> write(CircuitChange change) {
    Future<?> written = change.closed()
        ? pool.preparedQuery(CLOSE).execute(Tuple.of(change.url()))
        : pool.preparedQuery(OPEN).execute(Tuple.of(change.url(), utc(change.openedAt()),
            utc(change.openUntil()), change.failuresInARow(), utc(change.at())));
    // The URL stays out of the log: customers put tokens in their hook URLs.
    return written.<Void>mapEmpty().onFailure(error -> LOG.warn(
        "Could not record that a circuit {}: {}; the dashboard shows it at the next change",
        change.closed() ? "closed" : "is open", error.getMessage()));
  }
}
