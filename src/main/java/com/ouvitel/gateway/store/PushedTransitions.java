package com.ouvitel.gateway.store;

import static com.ouvitel.gateway.store.StoreTime.utc;

import com.ouvitel.gateway.store.Messages.AcceptedEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The printer.offline and printer.online events fleets push themselves, inside the ingest
 * transaction. A pushed transition that changes the printer's state moves it and is
 * delivered; one that repeats the state the printer is already in (the gateway or an earlier
 * push reported it) is stored as a record but not delivered, so a receiver never hears of
 * one change twice. Events of one commit apply in the order they arrived.
 */
final class PushedTransitions {

  private record Pushed(AcceptedEvent event, PrinterKey printer, String state) {
  }

  private record Change(String state, Instant at) {
  }

  private PushedTransitions() {
  }

  /** Applies the transitions among the events; answers the ids of the repeats. */
  static Future<Set<String>> apply(SqlConnection connection, List<AcceptedEvent> arrived) {
    List<Pushed> pushed = new ArrayList<>();
    for (AcceptedEvent event : arrived) {
      Pushed transition = transition(event);
      if (transition != null) {
        pushed.add(transition);
      }
    }
    if (pushed.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    Set<PrinterKey> printers = new TreeSet<>();
    pushed.forEach(transition -> printers.add(transition.printer()));
    return PrinterStore.lockKnown(connection, printers).compose(states -> {
      Set<String> repeats = new HashSet<>();
      Map<PrinterKey, Change> changes = new TreeMap<>();
      for (Pushed transition : pushed) {
        if (transition.state().equals(states.get(transition.printer()))) {
          repeats.add(transition.event().id());
        } else {
          states.put(transition.printer(), transition.state());
          changes.put(transition.printer(),
              new Change(transition.state(), transition.event().createdAt()));
        }
      }
      return write(connection, changes).map(repeats);
    });
  }

  /** The transition an event reports, or null for other events and untracked tokens. */
  private static Pushed transition(AcceptedEvent event) {
    boolean online = event.event().equals("printer.online");
    if (!online && !event.event().equals("printer.offline") || event.testWebhookId() != null) {
      return null;
    }
    Object token = new JsonObject(event.body()).getJsonObject("payload")
        .getValue("printerToken");
    if (!(token instanceof String) || !PrinterKey.isToken((String) token)) {
      return null;
    }
    return new Pushed(event, new PrinterKey(event.accountId(), (String) token),
        online ? "online" : "offline");
  }

  private static Future<Void> write(SqlConnection connection, Map<PrinterKey, Change> changes) {
    if (changes.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = changes.size();
    String[] accounts = new String[n];
    String[] tokens = new String[n];
    String[] states = new String[n];
    OffsetDateTime[] times = new OffsetDateTime[n];
    int k = 0;
    for (Map.Entry<PrinterKey, Change> change : changes.entrySet()) {
      accounts[k] = change.getKey().accountId();
      tokens[k] = change.getKey().token();
      states[k] = change.getValue().state();
      times[k] = utc(change.getValue().at());
      k++;
    }
    return connection.preparedQuery(PrinterSql.APPLY_PUSHED)
        .execute(Tuple.of(accounts, tokens, states, times))
        .mapEmpty();
  }
}
