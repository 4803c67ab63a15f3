package com.ouvitel.gateway.printer;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.PrinterFleet;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A measurement, not a test (its name keeps it out of {@code make test}): how many
 * heartbeats per second one gateway accepts, as batches and one by one. Run it with
 * {@code mvn -B -q test -Dtest=HeartbeatLoadRun -Dsurefire.failIfNoSpecifiedTests=false}
 * and read the figures in target/surefire-reports/*HeartbeatLoadRun-output.txt.
 */
@DisplayName("Heartbeat load")
class HeartbeatLoadRun {

  private static final int PRINTERS = 50_000;
  private static final int BATCH = 1000;
  private static final long SECONDS = 15;

  @Test
  @DisplayName("measures accepted heartbeats per second")
  void measure() throws Exception {
    String database = TestDatabase.freshDatabase();
    try (TestGateway gateway = TestGateway.start(Map.of("database_url", database,
        "http_instances", "2"))) {
      Account account = gateway.api.createAccount("premium");
      PrinterFleet fleet = new PrinterFleet(database, account);
      List<String> printers = PrinterFleet.tokens("load", PRINTERS);
      fleet.heartbeats(gateway.api, printers);

      double batched = run(8, worker -> {
        int from = (worker * 7919 % (PRINTERS / BATCH)) * BATCH;
        Api.Answer answer = gateway.api.post("/v1/heartbeats", account.apiKey(),
            new JsonObject().put("printers",
                new JsonArray(new ArrayList<>(printers.subList(from, from + BATCH)))));
        return answer.status() == 202 ? BATCH : 0;
      });
      double single = run(32, worker -> {
        Api.Answer answer = gateway.api.post("/v1/printers/" + printers.get(worker % PRINTERS)
            + "/heartbeat", account.apiKey(), null);
        return answer.status() == 204 ? 1 : 0;
      });
      gateway.gateway().metrics().scrape().lines()
          .filter(line -> line.startsWith("ouvitel_printer_heartbeat_write_printers_"))
          .forEach(line -> System.out.println("heartbeat load: " + line));
      System.out.printf("heartbeat load: %d printers, batches of %d from 8 clients: %.0f "
          + "heartbeats/s; single heartbeats from 32 clients: %.0f heartbeats/s (%d s each, "
          + "clients on the same machine)%n", PRINTERS, BATCH, batched, single, SECONDS);
    }
  }

  private interface Request {
    int send(int worker);
  }

  /** Runs the request in a loop on that many threads for the duration; heartbeats/s. */
  private static double run(int threads, Request request) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicLong accepted = new AtomicLong();
    long start = System.nanoTime();
    long end = start + SECONDS * 1_000_000_000L;
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      workers.add(pool.submit(() -> {
        for (int n = first; System.nanoTime() < end; n += threads) {
          accepted.addAndGet(request.send(n));
        }
      }));
    }
    for (Future<?> worker : workers) {
      worker.get();
    }
    pool.shutdown();
    return accepted.get() / ((System.nanoTime() - start) / 1e9);
  }
}
