package com.ouvitel.gateway.printer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.PrinterFleet;
import com.ouvitel.gateway.support.TestClock;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A fleet of thousands of printers reporting to two gateways over several simulated hours,
 * some going silent and coming back at random. A model of the fleet says which transitions
 * must be raised; a real receiver must get exactly those, each once.
 */
@DisplayName("A simulated fleet")
class FleetSimulatorTest {

  private static final int PRINTERS = 3000;
  private static final int ROUNDS = 6;
  /** Half the offline threshold and a minute: silent for two rounds means offline. */
  private static final Duration ROUND = Duration.ofMinutes(31);
  private static final Duration WAIT = Duration.ofSeconds(120);

  /** What the fleet should see: each printer's state, last round heard, and transitions. */
  private static final class Model {
    final Map<String, Boolean> online = new HashMap<>();
    final Map<String, Integer> lastRound = new HashMap<>();
    final Map<String, Integer> offlineEvents = new HashMap<>();
    final Map<String, Integer> onlineEvents = new HashMap<>();
    int offline;
    int cameBack;

    void sweep(int round) {
      online.forEach((token, isOnline) -> {
        if (isOnline && lastRound.get(token) <= round - 2) {
          online.put(token, false);
          offlineEvents.merge(token, 1, Integer::sum);
          offline++;
        }
      });
    }

    void heartbeat(String token, int round) {
      if (Boolean.FALSE.equals(online.get(token))) {
        onlineEvents.merge(token, 1, Integer::sum);
        cameBack++;
      }
      online.put(token, true);
      lastRound.put(token, round);
    }
  }

  @Test
  @DisplayName("gets exactly the offline and online deliveries its model predicts, with two pods")
  void fleet_of_thousands_with_two_pods() {
    String database = TestDatabase.freshDatabase();
    TestClock clock = new TestClock();
    Map<String, String> settings = Map.of("database_url", database,
        "printer_sweep_interval", "200ms");
    try (TestReceiver receiver = TestReceiver.http();
        TestGateway first = TestGateway.start(settings, clock);
        TestGateway second = TestGateway.start(settings, clock)) {
      Account account = first.api.createAccount("premium");
      first.api.createWebhook(account, receiver.url("/fleet"), "printer.offline",
          "printer.online");
      PrinterFleet fleet = new PrinterFleet(database, account);
      List<Api> pods = List.of(first.api, second.api);
      List<String> printers = PrinterFleet.tokens("sim", PRINTERS);
      Random random = new Random(6);
      Model model = new Model();

      for (int round = 0; round <= ROUNDS; round++) {
        if (round > 0) {
          clock.advance(ROUND);
          model.sweep(round);
          awaitEvents(fleet, "printer.offline", model.offline);
        }
        List<String> beating = new ArrayList<>();
        for (String token : printers) {
          if (round == 0 || random.nextDouble() < 0.75) {
            beating.add(token);
            model.heartbeat(token, round);
          }
        }
        sendSpread(fleet, pods, beating, random);
        awaitEvents(fleet, "printer.online", model.cameBack);
      }

      PrinterFleet.await("offline deliveries at the receiver",
          () -> PrinterFleet.deliveryIds(receiver, "/fleet", "printer.offline").size(),
          model.offline, WAIT);
      PrinterFleet.await("online deliveries at the receiver",
          () -> PrinterFleet.deliveryIds(receiver, "/fleet", "printer.online").size(),
          model.cameBack, WAIT);
      assertEquals(model.offlineEvents, perPrinter(receiver, "printer.offline"));
      assertEquals(model.onlineEvents, perPrinter(receiver, "printer.online"));
      assertEquals(model.offline + model.cameBack, receiver.requests("/fleet").size(),
          "no delivery was sent twice");
      System.out.printf("fleet simulator: %d printers, %d rounds, %d offline and %d online "
          + "transitions delivered%n", PRINTERS, ROUNDS, model.offline, model.cameBack);
    }
  }

  /** Heartbeats in requests of 500, each to one of the pods at random. */
  private static void sendSpread(PrinterFleet fleet, List<Api> pods, List<String> tokens,
      Random random) {
    for (int from = 0; from < tokens.size(); from += 500) {
      fleet.heartbeats(pods.get(random.nextInt(pods.size())),
          tokens.subList(from, Math.min(tokens.size(), from + 500)));
    }
  }

  /** Waits for that many events in the database and for their deliveries to end. */
  private static void awaitEvents(PrinterFleet fleet, String type, int expected) {
    PrinterFleet.await(type + " events", () -> fleet.events(type), (long) expected, WAIT);
    fleet.awaitQuiet(WAIT);
  }

  private static Map<String, Integer> perPrinter(TestReceiver receiver, String event) {
    Map<String, Integer> counts = new HashMap<>();
    for (TestReceiver.Request request : receiver.requests("/fleet")) {
      if (event.equals(request.header("X-Ouvitel-Event"))) {
        counts.merge(new JsonObject(request.text()).getJsonObject("payload")
            .getString("printerToken"), 1, Integer::sum);
      }
    }
    return counts;
  }
}
