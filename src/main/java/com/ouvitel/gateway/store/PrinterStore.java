package com.ouvitel.gateway.store;

import static com.ouvitel.gateway.store.StoreTime.iso;
import static com.ouvitel.gateway.store.StoreTime.utc;

import com.ouvitel.gateway.delivery.DeliveryJob;
import com.ouvitel.gateway.store.Messages.AcceptedEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Printers and their state. Every change of state is written in the same transaction as the
 * event that reports it (and that event's deliveries), so a transition is raised exactly
 * once: two pods cannot both flip the same printer, and a crash loses the flip with its
 * event or keeps both.
 */
public final class PrinterStore {

  /**
   * What one write raised: the transition events stored, and their deliveries, leased to
   * this pod, for the dispatcher.
   */
  public record Raised(int events, List<DeliveryJob> jobs) {
  }

  private final Pool pool;
  private final Clock clock;

  public PrinterStore(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * Records heartbeats, one per printer with its latest time, in one transaction; an
   * offline printer among them comes back online and raises printer.online.
   */
  public Future<Raised> recordHeartbeats(SortedMap<PrinterKey, Instant> beats, String podId,
      Duration lease) {
    // The write does not wait for the lock's answer: both go out at once on the
    // connection, and PostgreSQL runs them in order, the lock first.
    return pool.withTransaction(connection -> {
      Future<Map<PrinterKey, String>> locked = lockKnown(connection, beats.keySet());
      Future<Void> written = writeHeartbeats(connection, beats);
      return Future.all(locked, written).compose(both ->
          raiseOnline(connection, beats, locked.result(), podId, lease));
    });
  }

  private Future<Void> writeHeartbeats(SqlConnection connection,
      SortedMap<PrinterKey, Instant> beats) {
    int n = beats.size();
    String[] accounts = new String[n];
    String[] tokens = new String[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    int k = 0;
    for (Map.Entry<PrinterKey, Instant> beat : beats.entrySet()) {
      accounts[k] = beat.getKey().accountId();
      tokens[k] = beat.getKey().token();
      times[k] = utc(beat.getValue());
      k++;
    }
    return connection.preparedQuery(PrinterSql.RECORD_HEARTBEATS)
        .execute(Tuple.of(accounts, tokens, times, utc(clock.instant())))
        .mapEmpty();
  }

  private Future<Raised> raiseOnline(SqlConnection connection,
      SortedMap<PrinterKey, Instant> beats, Map<PrinterKey, String> states, String podId,
      Duration lease) {
    Instant now = clock.instant();
    List<AcceptedEvent> events = new ArrayList<>();
    states.forEach((printer, state) -> {
      if (state.equals("offline")) {
        events.add(PrinterEvents.online(printer, beats.get(printer), now));
      }
    });
    return FanOut.store(connection, events, podId, utc(now.plus(lease)))
        .map(jobs -> new Raised(events.size(), jobs));
  }

  /**
   * Takes up to {@code limit} printers silent for longer than {@code offlineAfter} offline
   * and raises printer.offline for each, in one transaction.
   */
  public Future<Raised> sweepSilent(Duration offlineAfter, int limit, String podId,
      Duration lease) {
    Instant now = clock.instant();
    return pool.withTransaction(connection -> connection
        .preparedQuery(PrinterSql.FLIP_SILENT)
        .execute(Tuple.of(utc(now.minus(offlineAfter)), utc(now), limit))
        .compose(rows -> {
          List<AcceptedEvent> events = new ArrayList<>();
          for (Row row : rows) {
            PrinterKey printer = new PrinterKey(row.getString("account_id"),
                row.getString("printer_token"));
            events.add(PrinterEvents.offline(printer,
                row.getOffsetDateTime("last_seen_at").toInstant(), now));
          }
          return FanOut.store(connection, events, podId, utc(now.plus(lease)))
              .map(jobs -> new Raised(events.size(), jobs));
        }));
  }

  /**
   * Locks the known printers among {@code keys} until the transaction ends and answers
   * their states; unknown printers are absent from the answer.
   */
  static Future<Map<PrinterKey, String>> lockKnown(SqlConnection connection,
      Collection<PrinterKey> keys) {
    String[] accounts = new String[keys.size()];
    String[] tokens = new String[keys.size()];
    int k = 0;
    for (PrinterKey key : keys) {
      accounts[k] = key.accountId();
      tokens[k] = key.token();
      k++;
    }
    return connection.preparedQuery(PrinterSql.LOCK_KNOWN)
        .execute(Tuple.tuple(List.of(accounts, tokens)))
        .map(rows -> {
          Map<PrinterKey, String> states = new HashMap<>();
          for (Row row : rows) {
            states.put(new PrinterKey(row.getString("account_id"),
                row.getString("printer_token")), row.getString("state"));
          }
          return states;
        });
  }

  /**
   * One page of an account's printers in token order, with the cursor of the next page.
   *
   * @param state online, offline, or null for both
   * @param cursor the nextCursor of the previous page, or null for the first
   */
  public Future<JsonObject> list(String accountId, String state, String cursor, int limit) {
    String after = cursor == null ? null : decodeCursor(cursor);
    return pool.preparedQuery(PrinterSql.LIST)
        .execute(Tuple.of(accountId, state, after, limit + 1))
        .map(rows -> {
          JsonArray data = new JsonArray();
          String last = null;
          for (Row row : rows) {
            if (data.size() == limit) {
              return new JsonObject().put("data", data).put("nextCursor", encodeCursor(last));
            }
            data.add(new JsonObject()
                .put("printerToken", row.getString("printer_token"))
                .put("state", row.getString("state"))
                .put("lastSeenAt", iso(row.getOffsetDateTime("last_seen_at")))
                .put("stateChangedAt", iso(row.getOffsetDateTime("state_changed_at"))));
            last = row.getString("printer_token");
          }
          return new JsonObject().put("data", data).putNull("nextCursor");
        });
  }

  private static String encodeCursor(String token) {
    return "prn_" + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(token.getBytes(StandardCharsets.UTF_8));
  }

  /** The token a cursor stands for, or an IllegalArgumentException. */
  public static String decodeCursor(String cursor) {
    if (!cursor.startsWith("prn_")) {
      throw new IllegalArgumentException("not a printer cursor");
    }
    String token = new String(Base64.getUrlDecoder().decode(cursor.substring(4)),
        StandardCharsets.UTF_8);
    if (!PrinterKey.isToken(token)) {
      throw new IllegalArgumentException("not a printer cursor");
    }
    return token;
  }
}
