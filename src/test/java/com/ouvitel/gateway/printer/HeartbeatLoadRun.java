package com.ouvitel.gateway.printer;

import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.PrinterFleet;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A measurement, not a test (its name keeps it out of {@code make test}): how many
 * heartbeats per second one gateway accepts, as batches and one by one, each answered after
 * its commit. Run it with
 * {@code mvn -B -q test -Dtest=HeartbeatLoadRun -Dsurefire.failIfNoSpecifiedTests=false}
 * and read the figures in target/surefire-reports/*HeartbeatLoadRun-output.txt.
 */
@DisplayName("Heartbeat load")
class HeartbeatLoadRun {

  private static final int PRINTERS = 50_000;
  private static final int BATCH = 1000;
  private static final long SECONDS = 15;

  /** One kind of request: where it goes, its body, and the heartbeats it carries. */
  private record Shot(String uri, Buffer body, int heartbeats, int expectedStatus) {
  }

  @Test
  @DisplayName("measures accepted heartbeats per second")
  void measure() throws Exception {
    String database = TestDatabase.freshDatabase();
    Vertx client = Vertx.vertx();
    try (TestGateway gateway = TestGateway.start(Map.of("database_url", database,
        "http_instances", "2"))) {
      Account account = gateway.api.createAccount("premium");
      List<String> printers = PrinterFleet.tokens("load", PRINTERS);
      new PrinterFleet(database, account).heartbeats(gateway.api, printers);
      HttpClient http = client.createHttpClient(new HttpClientOptions()
          .setDefaultHost("127.0.0.1").setDefaultPort(gateway.gateway().httpPort()),
          new PoolOptions().setHttp1MaxSize(64));

      double batched = run(http, account, 8, n -> {
        int from = (n % (PRINTERS / BATCH)) * BATCH;
        return new Shot("/v1/heartbeats", new JsonObject().put("printers", new JsonArray(
            new ArrayList<>(printers.subList(from, from + BATCH)))).toBuffer(), BATCH, 202);
      });
      double single = run(http, account, 64, n -> new Shot("/v1/printers/"
          + printers.get(n % PRINTERS) + "/heartbeat", Buffer.buffer(), 1, 204));
      gateway.gateway().metrics().scrape().lines()
          .filter(line -> line.startsWith("ouvitel_printer_heartbeat_write_printers_"))
          .forEach(line -> System.out.println("heartbeat load: " + line));
      System.out.printf("heartbeat load: %d printers; batches of %d, 8 in flight: %.0f "
          + "heartbeats/s; single heartbeats, 64 in flight: %.0f heartbeats/s (%d s each, "
          + "Vert.x client in the same JVM)%n", PRINTERS, BATCH, batched, single, SECONDS);
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Keeps that many requests in flight for the duration; answers heartbeats/s accepted. */
  private static double run(HttpClient http, Account account, int inFlight,
      IntFunction<Shot> shots) throws Exception {
    AtomicLong accepted = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    long start = System.nanoTime();
    long end = start + SECONDS * 1_000_000_000L;
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < inFlight; i++) {
      Promise<Void> done = Promise.promise();
      loop(http, account, shots, sent, accepted, end, done);
      loops.add(done.future());
    }
    Future.all(loops).await(SECONDS + 60, TimeUnit.SECONDS);
    return accepted.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static void loop(HttpClient http, Account account, IntFunction<Shot> shots,
      AtomicLong sent, AtomicLong accepted, long end, Promise<Void> done) {
    if (System.nanoTime() >= end) {
      done.complete();
      return;
    }
    Shot shot = shots.apply((int) sent.getAndIncrement());
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(shot.uri())
            .putHeader("Authorization", "Bearer " + account.apiKey())
            .putHeader("Content-Type", "application/json"))
        .compose(request -> request.send(shot.body()))
        .compose(response -> response.body().map(body -> response.statusCode()))
        .onComplete(status -> {
          if (status.succeeded() && status.result() == shot.expectedStatus()) {
            accepted.addAndGet(shot.heartbeats());
          }
          loop(http, account, shots, sent, accepted, end, done);
        });
  }
}
