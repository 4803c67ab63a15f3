package com.ouvitel.gateway.printer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.PrinterFleet;
import com.ouvitel.gateway.support.Signatures;
import com.ouvitel.gateway.support.TestClock;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Offline detection and its events, on a clock the tests move: an hour of silence is one
 * call. Two gateways share one database throughout, as two pods would.
 */
@DisplayName("Printer transitions")
class PrinterTransitionsTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration SILENCE = Duration.ofMinutes(61);
  /** Long enough for many sweeps of both gateways (they sweep every 100 ms). */
  private static final long SEVERAL_SWEEPS_MS = 800;

  private static String database;
  private static final TestClock clock = new TestClock();
  private static TestGateway first;
  private static TestGateway second;
  private static TestReceiver receiver;

  @BeforeAll
  static void start() {
    database = TestDatabase.freshDatabase();
    receiver = TestReceiver.http();
    first = TestGateway.start(settings(database, "20"), clock);
    second = TestGateway.start(settings(database, "20"), clock);
  }

  @AfterAll
  static void stop() {
    first.close();
    second.close();
    receiver.close();
  }

  static Map<String, String> settings(String databaseUrl, String sweepBatch) {
    return Map.of("database_url", databaseUrl, "printer_sweep_interval", "100ms",
        "printer_sweep_batch", sweepBatch);
  }

  @Test
  @DisplayName("raises one signed printer.offline after an hour of silence, one online after")
  void silence_then_heartbeat() {
    PrinterFleet fleet = fleetWithWebhook("/silence");
    String secret = webhookSecret;
    fleet.heartbeat(first.api, "quiet-1");
    String lastSeen = printer(fleet, "quiet-1").getString("lastSeenAt");

    clock.advance(Duration.ofMinutes(59));
    Api.sleep(SEVERAL_SWEEPS_MS);
    assertEquals(0, fleet.events("printer.offline"), "not offline before the threshold");

    clock.advance(Duration.ofMinutes(2));
    TestReceiver.Request offline = receiver.await("/silence", 1, WAIT).get(0);
    assertEquals("printer.offline", offline.header("X-Ouvitel-Event"));
    assertEquals(Signatures.ouvitel(secret, offline.body()),
        offline.header("X-Ouvitel-Signature"));
    JsonObject body = new JsonObject(offline.text());
    JsonObject payload = body.getJsonObject("payload");
    assertEquals("quiet-1", payload.getString("printerToken"));
    assertEquals(lastSeen, payload.getString("lastSeenAt"));
    assertEquals(body.getString("timestamp"), payload.getString("timestamp"));
    assertTrue(Instant.parse(payload.getString("timestamp"))
        .isAfter(Instant.parse(lastSeen).plus(Duration.ofMinutes(60))));
    assertEquals("offline", printer(fleet, "quiet-1").getString("state"));

    Api.sleep(SEVERAL_SWEEPS_MS);
    clock.advance(SILENCE);
    Api.sleep(SEVERAL_SWEEPS_MS);
    assertEquals(1, receiver.requests("/silence").size(), "offline is raised once");

    fleet.awaitQuiet(WAIT);
    fleet.heartbeat(second.api, "quiet-1");
    fleet.heartbeat(first.api, "quiet-1");
    TestReceiver.Request online = receiver.await("/silence", 2, WAIT).get(1);
    assertEquals("printer.online", online.header("X-Ouvitel-Event"));
    JsonObject onlinePayload = new JsonObject(online.text()).getJsonObject("payload");
    assertEquals("quiet-1", onlinePayload.getString("printerToken"));
    assertTrue(onlinePayload.containsKey("timestamp"));
    Api.sleep(SEVERAL_SWEEPS_MS);
    assertEquals(2, receiver.requests("/silence").size(), "online is raised once");
    assertEquals("online", printer(fleet, "quiet-1").getString("state"));
  }

  @Test
  @DisplayName("follows a flapping printer: one event per change, in order, none between")
  void flapping() {
    PrinterFleet fleet = fleetWithWebhook("/flap");
    fleet.heartbeat(first.api, "flappy");
    for (int round = 1; round <= 3; round++) {
      fleet.awaitQuiet(WAIT);
      clock.advance(SILENCE);
      receiver.await("/flap", 2 * round - 1, WAIT);
      fleet.awaitQuiet(WAIT);
      fleet.heartbeat(round % 2 == 0 ? first.api : second.api, "flappy");
      receiver.await("/flap", 2 * round, WAIT);
      fleet.heartbeat(first.api, "flappy");
      fleet.heartbeat(second.api, "flappy");
    }
    Api.sleep(SEVERAL_SWEEPS_MS);
    List<String> events = receiver.requests("/flap").stream()
        .map(request -> request.header("X-Ouvitel-Event")).toList();
    assertEquals(List.of("printer.offline", "printer.online", "printer.offline",
        "printer.online", "printer.offline", "printer.online"), events);
  }

  @Test
  @DisplayName("raises one event per transition with two gateways sweeping the same printers")
  void two_gateways_one_event_each() {
    PrinterFleet fleet = fleetWithWebhook("/pods");
    List<String> printers = PrinterFleet.tokens("pod", 200);
    fleet.heartbeats(first.api, printers.subList(0, 100));
    fleet.heartbeats(second.api, printers.subList(100, 200));

    clock.advance(SILENCE);
    PrinterFleet.await("offline deliveries",
        () -> PrinterFleet.deliveryIds(receiver, "/pods", "printer.offline").size(), 200,
        WAIT);
    fleet.awaitQuiet(WAIT);
    Api.sleep(SEVERAL_SWEEPS_MS);
    assertEquals(200, fleet.events("printer.offline"));
    assertEquals(200, receiver.requests("/pods").size());

    CompletableFuture<Void> viaFirst = CompletableFuture.runAsync(
        () -> fleet.heartbeats(first.api, printers));
    CompletableFuture<Void> viaSecond = CompletableFuture.runAsync(
        () -> fleet.heartbeats(second.api, printers));
    for (String token : printers.subList(0, 20)) {
      fleet.heartbeat(second.api, token);
    }
    CompletableFuture.allOf(viaFirst, viaSecond).join();
    PrinterFleet.await("online deliveries",
        () -> PrinterFleet.deliveryIds(receiver, "/pods", "printer.online").size(), 200, WAIT);
    fleet.awaitQuiet(WAIT);
    Api.sleep(SEVERAL_SWEEPS_MS);
    assertEquals(200, fleet.events("printer.online"));
    assertEquals(400, receiver.requests("/pods").size());
    assertEquals(200, fleet.printersIn("online"));
  }

  @Test
  @DisplayName("combines pushed transitions with its own: a repeat is recorded, not delivered")
  void pushed_and_raised_transitions_combine() {
    PrinterFleet fleet = fleetWithWebhook("/pushed");
    fleet.heartbeat(first.api, "mixed-1");

    assertEquals(1, fleet.push(first.api, "printer.offline", "mixed-1")
        .getInteger("deliveries"), "a pushed change is delivered");
    JsonObject repeat = fleet.push(second.api, "printer.offline", "mixed-1");
    assertEquals(0, repeat.getInteger("deliveries"), "a pushed repeat is not");
    assertEquals(0, first.api.deliveriesOf(fleet.account(), repeat.getString("id")).size());
    fleet.awaitQuiet(WAIT);
    clock.advance(SILENCE);
    Api.sleep(SEVERAL_SWEEPS_MS);
    assertEquals(2, fleet.events("printer.offline"), "the gateway raised no offline of its own");

    fleet.heartbeat(second.api, "mixed-1");
    receiver.await("/pushed", 2, WAIT);
    assertEquals(0, fleet.push(first.api, "printer.online", "mixed-1")
        .getInteger("deliveries"), "the heartbeat already reported the change");

    assertEquals(1, fleet.push(first.api, "printer.offline", "mixed-1")
        .getInteger("deliveries"));
    assertEquals(1, fleet.push(first.api, "printer.online", "mixed-1")
        .getInteger("deliveries"));
    fleet.heartbeat(first.api, "mixed-1");

    assertEquals(1, fleet.push(first.api, "printer.online", "pushed-only")
        .getInteger("deliveries"));
    assertNull(printer(fleet, "pushed-only").getValue("lastSeenAt"));
    fleet.awaitQuiet(WAIT);
    clock.advance(SILENCE);
    Api.sleep(SEVERAL_SWEEPS_MS);

    receiver.await("/pushed", 6, WAIT);
    Api.sleep(SEVERAL_SWEEPS_MS);
    List<String> delivered = receiver.requests("/pushed").stream()
        .map(request -> request.header("X-Ouvitel-Event") + " "
            + new JsonObject(request.text()).getJsonObject("payload")
                .getString("printerToken"))
        .toList();
    assertEquals(List.of("printer.offline mixed-1", "printer.online mixed-1",
        "printer.offline mixed-1", "printer.online mixed-1", "printer.online pushed-only",
        "printer.offline mixed-1"), delivered,
        "the silent heartbeating printer goes offline; the pushed-only one is never swept");
  }

  @Test
  @DisplayName("raises each offline exactly once when a pod stops in the middle of a sweep")
  void restart_in_the_middle_of_a_sweep() {
    stopInTheMiddle(TestGateway::close, "/restart");
  }

  @Test
  @DisplayName("raises each offline exactly once when a pod crashes in the middle of a sweep")
  void crash_in_the_middle_of_a_sweep() {
    stopInTheMiddle(TestGateway::crash, "/crash");
  }

  /**
   * 300 printers go silent; one of two pods sweeping them in transactions of 10 is stopped
   * as soon as the first events exist, and a new pod takes its place.
   */
  private static void stopInTheMiddle(Consumer<TestGateway> stop, String path) {
    String ownDatabase = TestDatabase.freshDatabase();
    TestClock ownClock = new TestClock();
    Map<String, String> ownSettings = settings(ownDatabase, "10");
    TestGateway stopping = TestGateway.start(ownSettings, ownClock);
    boolean stopped = false;
    try (TestGateway staying = TestGateway.start(ownSettings, ownClock)) {
      Account account = staying.api.createAccount("premium");
      staying.api.createWebhook(account, receiver.url(path), "printer.offline",
          "printer.online");
      PrinterFleet fleet = new PrinterFleet(ownDatabase, account);
      List<String> printers = PrinterFleet.tokens("restart", 300);
      fleet.heartbeats(stopping.api, printers);

      ownClock.advance(SILENCE);
      PrinterFleet.await("a sweep under way", () -> fleet.events("printer.offline") > 0,
          true, WAIT);
      stop.accept(stopping);
      stopped = true;
      // The leases of a crashed pod run out; then the others send what it left.
      ownClock.advance(Duration.ofMinutes(1));
      try (TestGateway restarted = TestGateway.start(ownSettings, ownClock)) {
        PrinterFleet.await("offline deliveries",
            () -> PrinterFleet.deliveryIds(receiver, path, "printer.offline").size(),
            300, WAIT);
        fleet.awaitQuiet(WAIT);
        Api.sleep(SEVERAL_SWEEPS_MS);
        assertEquals(300, fleet.events("printer.offline"));
        assertEquals(300, fleet.printersIn("offline"));

        fleet.heartbeats(restarted.api, printers);
        PrinterFleet.await("online deliveries",
            () -> PrinterFleet.deliveryIds(receiver, path, "printer.online").size(),
            300, WAIT);
        Api.sleep(SEVERAL_SWEEPS_MS);
        assertEquals(300, fleet.events("printer.online"));
      }
    } finally {
      if (!stopped) {
        stopping.close();
      }
    }
  }

  private static String webhookSecret;

  private static PrinterFleet fleetWithWebhook(String path) {
    Account account = first.api.createAccount("premium");
    webhookSecret = first.api.createWebhook(account, receiver.url(path), "printer.offline",
        "printer.online").getString("secret");
    return new PrinterFleet(database, account);
  }

  private static JsonObject printer(PrinterFleet fleet, String token) {
    for (Object item : first.api.get("/v1/printers?limit=1000", fleet.account().apiKey())
        .json().getJsonArray("data")) {
      if (((JsonObject) item).getString("printerToken").equals(token)) {
        return (JsonObject) item;
      }
    }
    throw new AssertionError("printer " + token + " is not listed");
  }
}
