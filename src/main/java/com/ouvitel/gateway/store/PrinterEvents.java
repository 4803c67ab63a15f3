package com.ouvitel.gateway.store;

import com.ouvitel.gateway.json.StrictJson;
import com.ouvitel.gateway.store.Messages.AcceptedEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The printer.offline and printer.online events the gateway raises itself, built in the
 * same form as pushed ones, so they are stored, signed and delivered the same way.
 */
final class PrinterEvents {

  private PrinterEvents() {
  }

  /** The printer has been silent since {@code lastSeenAt}; detected at {@code now}. */
  static AcceptedEvent offline(PrinterKey printer, Instant lastSeenAt, Instant now) {
    Instant at = now.truncatedTo(ChronoUnit.MILLIS);
    String stamp = StoreTime.iso(at);
    String body = "{\"event\":\"printer.offline\",\"payload\":{\"printerToken\":"
        + StrictJson.write(printer.token()) + ",\"timestamp\":\"" + stamp
        + "\",\"lastSeenAt\":\"" + StoreTime.iso(lastSeenAt) + "\"},\"timestamp\":\""
        + stamp + "\"}";
    return event(printer, "printer.offline", body, at);
  }

  /** The offline printer sent a heartbeat at {@code seenAt}; written at {@code now}. */
  static AcceptedEvent online(PrinterKey printer, Instant seenAt, Instant now) {
    String stamp = StoreTime.iso(seenAt);
    String body = "{\"event\":\"printer.online\",\"payload\":{\"printerToken\":"
        + StrictJson.write(printer.token()) + ",\"timestamp\":\"" + stamp
        + "\"},\"timestamp\":\"" + stamp + "\"}";
    return event(printer, "printer.online", body, now.truncatedTo(ChronoUnit.MILLIS));
  }

  private static AcceptedEvent event(PrinterKey printer, String type, String body,
      Instant at) {
    return new AcceptedEvent(Ids.next(Ids.EVENT, at), at, printer.accountId(), type, body,
        null, null, null);
  }
}
