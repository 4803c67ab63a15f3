package com.ouvitel.gateway.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api.Account;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** Printers of one account for tests: heartbeats, and what the gateway recorded of them. */
public final class PrinterFleet {

  private final String databaseUrl;
  private final Account account;

  public PrinterFleet(String databaseUrl, Account account) {
    this.databaseUrl = databaseUrl;
    this.account = account;
  }

  public Account account() {
    return account;
  }

  /** Printer tokens {@code prefix-0000} and on. */
  public static List<String> tokens(String prefix, int count) {
    List<String> tokens = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      tokens.add(String.format("%s-%04d", prefix, i));
    }
    return tokens;
  }

  public void heartbeat(Api api, String token) {
    Api.Answer answer = api.post("/v1/printers/" + token + "/heartbeat", account.apiKey(),
        null);
    assertEquals(204, answer.status(), answer.text());
  }

  /** Heartbeats of many printers, in requests of at most 1000. */
  public void heartbeats(Api api, List<String> tokens) {
    for (int from = 0; from < tokens.size(); from += 1000) {
      List<String> part = tokens.subList(from, Math.min(tokens.size(), from + 1000));
      Api.Answer answer = api.post("/v1/heartbeats", account.apiKey(),
          new JsonObject().put("printers", new JsonArray(new ArrayList<>(part))));
      assertEquals(202, answer.status(), answer.text());
    }
  }

  /** Sends a printer.offline or printer.online of the fleet's own; answers the result. */
  public JsonObject push(Api api, String event, String token) {
    return api.sendEvent(account, new JsonObject().put("event", event).put("payload",
        new JsonObject().put("printerToken", token).put("timestamp", "2026-01-06T12:00:00Z")));
  }

  /** Events of that type stored for the account. */
  public long events(String type) {
    return count("SELECT count(*) FROM events WHERE account_id = '" + account.id()
        + "' AND event = '" + type + "'");
  }

  public long printersIn(String state) {
    return count("SELECT count(*) FROM printers WHERE account_id = '" + account.id()
        + "' AND state = '" + state + "'");
  }

  public long pendingDeliveries() {
    return count("SELECT count(*) FROM deliveries WHERE account_id = '" + account.id()
        + "' AND status = 'pending'");
  }

  private long count(String sql) {
    return ((Number) TestDatabase.queryValue(databaseUrl, sql)).longValue();
  }

  /** Waits until every delivery of the account has ended, so moving the clock is safe. */
  public void awaitQuiet(Duration timeout) {
    await("no pending deliveries", this::pendingDeliveries, 0L, timeout);
  }

  /** Distinct delivery ids of that event type the receiver saw on that path. */
  public static Set<String> deliveryIds(TestReceiver receiver, String path, String event) {
    Set<String> ids = new HashSet<>();
    for (TestReceiver.Request request : receiver.requests(path)) {
      if (event.equals(request.header("X-Ouvitel-Event"))) {
        ids.add(request.header("X-Ouvitel-Delivery"));
      }
    }
    return ids;
  }

  /** Polls until the value equals the expected one, or fails with the last value seen. */
  public static <T> void await(String what, Supplier<T> value, T expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = value.get();
    while (!expected.equals(last) && System.nanoTime() < deadline) {
      Api.sleep(50);
      last = value.get();
    }
    assertEquals(expected, last, what);
  }
}
