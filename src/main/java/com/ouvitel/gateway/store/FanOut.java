package com.ouvitel.gateway.store;

import static com.ouvitel.gateway.store.StoreTime.instant;
import static com.ouvitel.gateway.store.StoreTime.utc;

import com.ouvitel.gateway.delivery.DeliveryJob;
import com.ouvitel.gateway.store.Messages.AcceptedEvent;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores accepted events inside the caller's transaction: with their fan-out to the webhooks
 * that want them (pushed events, and the printer transitions the gateway raises itself), or
 * as a record only, for events that must not be delivered.
 */
public final class FanOut {

  private FanOut() {
  }

  /** The events as one array per column, for {@code unnest}. */
  private record Columns(String[] ids, OffsetDateTime[] times, String[] accounts,
      String[] types, String[] bodies, String[] testWebhooks) {

    static Columns of(List<AcceptedEvent> events) {
      int n = events.size();
      Columns columns = new Columns(new String[n], new OffsetDateTime[n], new String[n],
          new String[n], new String[n], new String[n]);
      for (int k = 0; k < n; k++) {
        AcceptedEvent event = events.get(k);
        columns.ids[k] = event.id();
        columns.times[k] = utc(event.createdAt());
        columns.accounts[k] = event.accountId();
        columns.types[k] = event.event();
        columns.bodies[k] = event.body();
        columns.testWebhooks[k] = event.testWebhookId();
      }
      return columns;
    }
  }

  /**
   * Stores the events and creates their deliveries, leased to pod {@code podId} until
   * {@code leaseEnd} (both null: unleased, for any pod to claim); answers the deliveries as
   * jobs for the dispatcher.
   */
  public static Future<List<DeliveryJob>> store(SqlConnection connection,
      List<AcceptedEvent> events, String podId, OffsetDateTime leaseEnd) {
    if (events.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Columns c = Columns.of(events);
    Map<String, String> bodyById = new HashMap<>();
    events.forEach(event -> bodyById.put(event.id(), event.body()));
    return connection.preparedQuery(PipelineSql.STORE_AND_FAN_OUT)
        .execute(Tuple.of(c.ids(), c.times(), c.accounts(), c.types(), c.bodies(), podId,
            leaseEnd, c.testWebhooks()))
        .map(rows -> {
          List<DeliveryJob> jobs = new ArrayList<>();
          for (Row row : rows) {
            String eventId = row.getString("event_id");
            jobs.add(new DeliveryJob(row.getString("id"),
                row.getOffsetDateTime("created_at").toInstant(), eventId,
                row.getString("webhook_id"), row.getString("event"), row.getString("url"),
                row.getString("secret"), row.getString("previous_secret"),
                instant(row.getOffsetDateTime("previous_secret_expires_at")),
                bodyById.get(eventId), 1));
          }
          return jobs;
        });
  }

  /** Stores the events as a record only: they appear in the event log, nothing is sent. */
  public static Future<Void> storeWithoutDeliveries(SqlConnection connection,
      List<AcceptedEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    Columns c = Columns.of(events);
    return connection.preparedQuery(PipelineSql.STORE_WITHOUT_DELIVERIES)
        .execute(Tuple.of(c.ids(), c.times(), c.accounts(), c.types(), c.bodies()))
        .mapEmpty();
  }
}
