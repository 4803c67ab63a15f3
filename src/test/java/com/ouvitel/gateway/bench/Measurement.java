package com.ouvitel.gateway.bench;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * The measured window of a scenario: warm-up first, then the runs' and sinks' windows open
 * for the set time while CPU use and PostgreSQL's waits are taken; and the check that every
 * attempt the receiver saw is in the attempt log.
 */
final class Measurement {

  private final BenchSettings settings;
  private final CpuUsage cpu;
  private final PgWaits waits;
  private final String databaseUrl;
  private final GatewayHistograms histograms;

  Measurement(BenchSettings settings, CpuUsage cpu, PgWaits waits, String databaseUrl,
      GatewayHistograms histograms) {
    this.settings = settings;
    this.cpu = cpu;
    this.waits = waits;
    this.databaseUrl = databaseUrl;
    this.histograms = histograms;
  }

  /** Warms up, measures one window; the receipts of each sink in it, by position. */
  JsonObject window(List<LoadClient.Run> runs, List<BenchReceiver.Sink> sinks) {
    JsonObject warmUp = settings.warmUpBeforeWindow()
        .await(() -> LongStream.of(cpu.compilerTicks()).sum());
    long[] compilersBefore = cpu.compilerTicks();
    Map<String, Long> postgresBefore = cpu.postgresByKind();
    long[] before = cpu.snapshot(postgresBefore);
    Map<String, Double> histogramsBefore = histograms.read();
    waits.begin();
    long[] receivedBefore = new long[sinks.size()];
    for (int i = 0; i < sinks.size(); i++) {
      receivedBefore[i] = sinks.get(i).received();
      sinks.get(i).lag.open();
    }
    runs.forEach(LoadClient.Run::openWindow);
    long started = System.nanoTime();
    String openedAt = Instant.now().toString();
    Pause.millis(settings.window().toMillis());
    awaitSamples(runs, sinks, receivedBefore);
    runs.forEach(LoadClient.Run::closeWindow);
    JsonObject received = new JsonObject();
    for (int i = 0; i < sinks.size(); i++) {
      sinks.get(i).lag.close();
      received.put(Integer.toString(i), sinks.get(i).received() - receivedBefore[i]);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Map<String, Long> postgresAfter = cpu.postgresByKind();
    long[] after = cpu.snapshot(postgresAfter);
    long[] compilersAfter = cpu.compilerTicks();
    JsonObject slowInGateway = GatewayHistograms.between(histogramsBefore, histograms.read());
    return new JsonObject().put("warmUp", warmUp)
        .put("openedAt", openedAt).put("seconds", CpuUsage.round(seconds))
        .put("received", received)
        .put("cpuCores", CpuUsage.cores(before, after, seconds))
        .put("postgresCores", CpuUsage.postgresCores(postgresBefore, postgresAfter, seconds))
        .put("compilerCores", new JsonObject()
            .put("gateway", CpuUsage.round(
                CpuUsage.cores(compilersAfter[0] - compilersBefore[0], seconds)))
            .put("loadGenerator", CpuUsage.round(
                CpuUsage.cores(compilersAfter[1] - compilersBefore[1], seconds))))
        .put("gatewayIngest", slowInGateway)
        .put("postgres", waits.end());
  }

  private void awaitSamples(List<LoadClient.Run> runs, List<BenchReceiver.Sink> sinks,
      long[] receivedBefore) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline && !enough(runs, sinks, receivedBefore)) {
      Pause.millis(50);
    }
  }

  private boolean enough(List<LoadClient.Run> runs, List<BenchReceiver.Sink> sinks,
      long[] receivedBefore) {
    int minimum = settings.minimumSamples();
    for (LoadClient.Run run : runs) {
      if (run.windowRequests.get() < minimum) {
        return false;
      }
    }
    for (int i = 0; i < sinks.size(); i++) {
      if (sinks.get(i).received() - receivedBefore[i] < minimum) {
        return false;
      }
    }
    return true;
  }

  /**
   * CPU microseconds spent per event (or delivery) in the window, by process: unlike the
   * rates, this barely moves when other load shares the machine.
   */
  static JsonObject cpuMicrosPer(JsonObject window, long count) {
    JsonObject cores = window.getJsonObject("cpuCores");
    double seconds = window.getDouble("seconds");
    JsonObject per = new JsonObject();
    for (String who : new String[] {"gateway", "postgres", "loadGenerator"}) {
      per.put(who, count == 0 ? 0 : Math.round(cores.getDouble(who) * seconds * 1e6 / count));
    }
    return per;
  }

  /** Attempts logged for those webhooks, waiting up to 30 s for them to reach the count. */
  long attemptsLogged(List<String> webhookIds, long expected) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    long logged = count(webhookIds);
    while (logged < expected && System.nanoTime() < deadline) {
      Pause.millis(100);
      logged = count(webhookIds);
    }
    return logged;
  }

  private long count(List<String> webhookIds) {
    try (Connection connection = BenchPostgres.connect(databaseUrl);
        PreparedStatement query = connection.prepareStatement(
            "SELECT count(*) FROM attempts WHERE webhook_id = ANY (?)")) {
      query.setArray(1, connection.createArrayOf("text", webhookIds.toArray()));
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
