package com.ouvitel.gateway.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The two baselines that show how close the gateway comes to the machine: a bare Vert.x
 * HTTP server (its own process) answering the same ingest requests without PostgreSQL, and
 * the same rows inserted raw into PostgreSQL.
 */
final class Baselines {

  /** Rows of one raw insert statement: about what a group commit holds under load. */
  static final int RAW_BATCH = 250;

  private Baselines() {
  }

  static JsonObject bareHttp(Vertx vertx, BenchSettings settings, Path out) {
    int port = ChildProcess.freePort();
    List<String> command = List.of(ChildProcess.java(), "-Xmx1g", "-cp",
        System.getProperty("java.class.path"), BareServer.class.getName(),
        Integer.toString(port));
    try (ChildProcess server = ChildProcess.start("bare server", command, java.util.Map.of(),
        out.resolve("bare-server.log"))) {
      server.awaitReady("http://127.0.0.1:" + port + "/health", Duration.ofMinutes(1));
      LoadClient client = new LoadClient(vertx, port, 512);
      LongSupplier compilerTicks = () -> CpuUsage.compilerTicks(server.pid())
          + CpuUsage.compilerTicks(ProcessHandle.current().pid());
      JsonObject single = measure(client.start(new LoadClient.Plan(
          sent -> new LoadClient.Request("bare", "/v1/events", EventBodies.single(sent), 1),
          settings.connections(), 0, 0, 1, null)), settings, compilerTicks);
      int size = settings.batchSize();
      JsonObject batch = measure(client.start(new LoadClient.Plan(
          sent -> new LoadClient.Request("bare", "/v1/events/batch",
              EventBodies.batch(size, sent), size),
          settings.batchConnections(), 0, 0, 1, null)), settings, compilerTicks);
      client.close();
      return new JsonObject().put("single", single).put("batch", batch);
    }
  }

  private static JsonObject measure(LoadClient.Run run, BenchSettings settings,
      LongSupplier compilerTicks) {
    JsonObject warmUp = settings.warmUpBeforeWindow().await(compilerTicks);
    run.openWindow();
    Pause.millis(settings.window().toMillis());
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (run.windowRequests.get() < settings.minimumSamples()
        && System.nanoTime() < deadline) {
      Pause.millis(50);
    }
    run.closeWindow();
    run.stop();
    return new JsonObject().put("eventsPerSecond", Math.round(run.eventsPerSecond()))
        .put("requestsPerSecond", Math.round(run.windowRequests.get() / run.windowSeconds()))
        .put("ackLatencyMs", Scenarios.latencyJson(run.latency.summary()))
        .put("failedRequests", run.failedRequests.get()).put("warmUp", warmUp);
  }

  static JsonObject rawInserts(Vertx vertx, String databaseUrl, BenchSettings settings) {
    try (RawInserts raw = new RawInserts(vertx, databaseUrl, settings.rawConnections())) {
      Duration window = settings.window();
      raw.eventsPerSecond(RAW_BATCH, 1, settings.warmUp());
      double ingest = raw.eventsPerSecond(RAW_BATCH, 0, window);
      double endToEnd = raw.eventsPerSecond(RAW_BATCH, 1, window);
      double fanOut = raw.eventsPerSecond(RAW_BATCH / 10, 10, window);
      return new JsonObject().put("batchRows", RAW_BATCH)
          .put("connections", settings.rawConnections())
          .put("eventsPerSecond", Math.round(ingest))
          .put("endToEndRowsPerSecond", Math.round(endToEnd))
          .put("fanOutDeliveriesPerSecond", Math.round(fanOut * 10));
    }
  }
}
