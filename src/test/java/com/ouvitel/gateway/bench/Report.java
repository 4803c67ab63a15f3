package com.ouvitel.gateway.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results: a table of every figure beside its baseline and target, the JSON file, and
 * the checks that every scenario ran completely and sanely (behaviour, never speed).
 */
final class Report {

  private final JsonObject results;
  private final List<String[]> rows = new ArrayList<>();
  private final List<String> passed = new ArrayList<>();
  private final List<String> failed = new ArrayList<>();

  private Report(JsonObject results) {
    this.results = results;
  }

  /** Prints the table and the checks, writes the file; the number of failed checks. */
  static int write(JsonObject results, Path file, PrintStream out) {
    Report report = new Report(results);
    report.tabulate();
    report.check();
    results.put("table", new io.vertx.core.json.JsonArray(report.rows.stream()
        .map(row -> new JsonObject().put("scenario", row[0]).put("figure", row[1])
            .put("ours", row[2]).put("baseline", row[3]).put("ratio", row[4])
            .put("target", row[5]))
        .toList()));
    results.put("checks", new JsonObject().put("passed", report.passed.size())
        .put("failed", new io.vertx.core.json.JsonArray(report.failed)));
    try {
      Files.writeString(file, results.encodePrettily());
    } catch (IOException e) {
      out.println("could not write " + file + ": " + e.getMessage());
    }
    report.print(out);
    out.println("results written to " + file);
    out.println(results.getString("mode", "bench") + ": " + report.passed.size()
        + " passed, " + report.failed.size() + " failed");
    return report.failed.size();
  }

  // ---- the table ----

  private void tabulate() {
    JsonObject s = results.getJsonObject("scenarios", new JsonObject());
    JsonObject base = results.getJsonObject("baselines", new JsonObject());
    JsonObject bare = base.getJsonObject("bareHttp", new JsonObject());
    JsonObject bareSingle = bare.getJsonObject("single", new JsonObject());
    JsonObject bareBatch = bare.getJsonObject("batch", new JsonObject());
    JsonObject raw = base.getJsonObject("rawInserts", new JsonObject());

    ingestRows("1 durable ingest", s.getJsonObject("durableIngest", new JsonObject()),
        bareSingle, raw, target(">= 20000"));
    ingestRows("2 batch ingest", s.getJsonObject("batchIngest", new JsonObject()),
        bareBatch, raw, target(">= 60000"));

    JsonObject full = s.getJsonObject("endToEndFullLoad", new JsonObject());
    throughput("3 end to end, full", "deliveries/s vs raw PG", full, "deliveriesPerSecond",
        raw.getLong("endToEndRowsPerSecond"), target(">= 8000"));
    latency("3 end to end, full", "lag ms", full.getJsonObject("lagMs"), null, "");
    cpu("3 end to end, full", full.getJsonObject("cpuMicrosPerDelivery"));
    JsonObject fixed = s.getJsonObject("endToEndFixedRate", new JsonObject());
    String atRate = "3 end to end, " + rateLabel(fixed.getLong("targetRate"));
    throughput(atRate, "deliveries/s vs offered", fixed, "deliveriesPerSecond",
        fixed.getLong("targetRate"), "");
    latency(atRate, "lag ms", fixed.getJsonObject("lagMs"), null,
        target("p99 <= 10"));

    JsonObject fan = s.getJsonObject("fanOut", new JsonObject());
    throughput("4 fan-out x10", "deliveries/s vs raw PG", fan, "deliveriesPerSecond",
        raw.getLong("fanOutDeliveriesPerSecond"), "");
    latency("4 fan-out x10", "lag ms", fan.getJsonObject("lagMs"), null, "");
    cpu("4 fan-out x10", fan.getJsonObject("cpuMicrosPerDelivery"));

    JsonObject stall = s.getJsonObject("stalledBesideHealthy", new JsonObject());
    JsonObject alone = stall.getJsonObject("alone", new JsonObject());
    JsonObject beside = stall.getJsonObject("besideStalled", new JsonObject());
    latency("5 stalled beside healthy", "healthy lag ms vs alone",
        beside.getJsonObject("lagMs"), alone.getJsonObject("lagMs"), "");
    techniqueRows(results.getJsonObject("techniques", new JsonObject()));
  }

  /** The targets hold for full runs: a smoke run's short windows at low rates show none. */
  private String target(String target) {
    return "full".equals(results.getString("mode")) ? target : "";
  }

  private static String rateLabel(Long rate) {
    if (rate == null) {
      return "fixed rate";
    }
    return rate % 1000 == 0 ? rate / 1000 + "k/s" : rate + "/s";
  }

  /** Techniques measured apart: with the technique as ours, without it as the baseline. */
  private void techniqueRows(JsonObject techniques) {
    JsonObject signing = techniques.getJsonObject("signing", new JsonObject());
    apart("one HMAC per loop: us/delivery", signing.getDouble("keptMicros"),
        signing.getDouble("perDeliveryMicros"), "%.2f");
    JsonObject body = techniques.getJsonObject("body", new JsonObject());
    apart("body built once: us/delivery", body.getDouble("storedMicros"),
        body.getDouble("reparsedMicros"), "%.2f");
    JsonObject retention = techniques.getJsonObject("retention", new JsonObject());
    apart("drop a day vs delete: ms", retention.getDouble("dropPartitionMs"),
        retention.getDouble("deleteAndVacuumMs"), "%.0f");
    Long dropWal = retention.getLong("dropPartitionWalBytes");
    Long deleteWal = retention.getLong("deleteAndVacuumWalBytes");
    apart("drop a day vs delete: WAL kB", dropWal == null ? null : dropWal / 1024.0,
        deleteWal == null ? null : deleteWal / 1024.0, "%.0f");
  }

  private void apart(String figure, Double with, Double without, String format) {
    rows.add(new String[] {"technique apart", figure,
        with == null ? "-" : String.format(Locale.ROOT, format, with),
        without == null ? "-" : String.format(Locale.ROOT, format, without),
        ratio(with, without), ""});
  }

  private void ingestRows(String scenario, JsonObject ours, JsonObject bare, JsonObject raw,
      String target) {
    throughput(scenario, "events/s vs bare HTTP", ours, "eventsPerSecond",
        bare.getLong("eventsPerSecond"), target);
    throughput(scenario, "events/s vs raw PG rows", ours, "eventsPerSecond",
        raw.getLong("eventsPerSecond"), "");
    latency(scenario, "ack ms vs bare HTTP", ours.getJsonObject("ackLatencyMs"),
        bare.getJsonObject("ackLatencyMs"), "");
    cpu(scenario, ours.getJsonObject("cpuMicrosPerEvent"));
  }

  /** CPU microseconds per event or delivery: gateway/PostgreSQL/load generator. */
  private void cpu(String scenario, JsonObject per) {
    rows.add(new String[] {scenario, "CPU us each: gateway/PG/load", per == null ? "-"
        : per.getLong("gateway") + "/" + per.getLong("postgres") + "/"
            + per.getLong("loadGenerator"), "", "", ""});
  }

  private void throughput(String scenario, String figure, JsonObject result, String key,
      Long baseline, String target) {
    Long ours = result.getLong(key);
    rows.add(new String[] {scenario, figure, ours == null ? "-" : ours.toString(),
        baseline == null ? "-" : baseline.toString(), ratio(ours, baseline), target});
  }

  private void latency(String scenario, String figure, JsonObject ours, JsonObject baseline,
      String target) {
    rows.add(new String[] {scenario, figure + " p50/p99/max", percentiles(ours),
        percentiles(baseline),
        ours == null || baseline == null ? "-"
            : ratio(ours.getDouble("p99"), baseline.getDouble("p99")) + " (p99)",
        target});
  }

  private static String percentiles(JsonObject latency) {
    if (latency == null) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.1f/%.1f/%.0f", latency.getDouble("p50"),
        latency.getDouble("p99"), latency.getDouble("max"));
  }

  private static String ratio(Number ours, Number baseline) {
    if (ours == null || baseline == null || baseline.doubleValue() == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2f", ours.doubleValue() / baseline.doubleValue());
  }

  private void print(PrintStream out) {
    String format = "%-26s %-34s %17s %17s %12s %10s%n";
    out.println();
    out.printf(format, "scenario", "figure", "ours", "baseline", "ratio", "target");
    for (String[] row : rows) {
      out.printf(format, (Object[]) row);
    }
    JsonObject pg = results.getJsonObject("postgresSettings", new JsonObject());
    out.println("PostgreSQL " + pg.getString("server_version", "?") + ": synchronous_commit="
        + pg.getString("synchronous_commit", "?") + ", fsync=" + pg.getString("fsync", "?")
        + ", full_page_writes=" + pg.getString("full_page_writes", "?"));
    out.println(warmUps());
    if ("full".equals(results.getString("mode"))) {
      out.println(targetsReached());
    }
    out.println();
    failed.forEach(name -> out.println("FAILED: " + name));
  }

  /**
   * Which of the four targets this run reached, in one line: the checks that follow
   * the table judge completeness and sanity, never speed, so they pass whether or not it did.
   */
  private String targetsReached() {
    JsonObject s = results.getJsonObject("scenarios", new JsonObject());
    JsonObject lag = s.getJsonObject("endToEndFixedRate", new JsonObject())
        .getJsonObject("lagMs", new JsonObject());
    List<String> reached = new ArrayList<>();
    List<String> missed = new ArrayList<>();
    target("durable ingest >= 20000/s", s.getJsonObject("durableIngest", new JsonObject())
        .getLong("eventsPerSecond", 0L) >= 20_000, reached, missed);
    target("batch ingest >= 60000/s", s.getJsonObject("batchIngest", new JsonObject())
        .getLong("eventsPerSecond", 0L) >= 60_000, reached, missed);
    target("end to end >= 8000/s", s.getJsonObject("endToEndFullLoad", new JsonObject())
        .getLong("deliveriesPerSecond", 0L) >= 8_000, reached, missed);
    target("lag p99 <= 10 ms at the fixed rate", lag.containsKey("p99")
        && lag.getDouble("p99") <= 10, reached, missed);
    return "targets reached: " + reached.size() + " of 4"
        + (missed.isEmpty() ? "" : "; missed: " + String.join(", ", missed))
        + " (the checks below judge completeness, not speed)";
  }

  private static void target(String name, boolean holds, List<String> reached,
      List<String> missed) {
    (holds ? reached : missed).add(name);
  }

  /**
   * The warm-ups of the measured windows in one line: their range, and the windows that
   * opened with the JIT compilers still busy (the warm-up ran into its cap).
   */
  private String warmUps() {
    List<String> busy = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    collectWarmUps("", results, seconds, busy);
    if (seconds.isEmpty()) {
      return "warm-up: none measured";
    }
    String range = String.format(Locale.ROOT, "warm-up %.1f-%.1f s per window",
        seconds.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        seconds.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    if (!"full".equals(results.getString("mode"))) {
      return range + " (fixed: a smoke run does not wait for the JIT compilers)";
    }
    return range + (busy.isEmpty()
        ? ", JIT compilers quiet as each window opened"
        : "; windows opened with the JIT compilers still busy: " + String.join(", ", busy));
  }

  private static void collectWarmUps(String path, JsonObject node, List<Double> seconds,
      List<String> busy) {
    for (String key : node.fieldNames()) {
      Object value = node.getValue(key);
      if (!(value instanceof JsonObject child)) {
        continue;
      }
      if (key.equals("warmUp")) {
        seconds.add(child.getDouble("seconds", 0.0));
        if (!child.getBoolean("compilersQuiet", false)) {
          busy.add(path.isEmpty() ? "?" : path);
        }
      } else if (!key.equals("window")) {
        collectWarmUps(path.isEmpty() ? key : path + "." + key, child, seconds, busy);
      } else {
        collectWarmUps(path, child, seconds, busy);
      }
    }
  }

  // ---- the checks ----

  private void check() {
    expect("the run finished without an error", !results.containsKey("error"));
    expect("the gateway was still running at the end", results.getBoolean("gatewayAlive",
        false));
    JsonObject s = results.getJsonObject("scenarios", new JsonObject());
    JsonObject base = results.getJsonObject("baselines", new JsonObject());
    JsonObject bare = base.getJsonObject("bareHttp", new JsonObject());
    checkIngest("bare HTTP single", bare.getJsonObject("single"));
    checkIngest("bare HTTP batch", bare.getJsonObject("batch"));
    JsonObject raw = base.getJsonObject("rawInserts", new JsonObject());
    expect("raw inserts wrote rows", raw.getLong("eventsPerSecond", 0L) > 0
        && raw.getLong("endToEndRowsPerSecond", 0L) > 0
        && raw.getLong("fanOutDeliveriesPerSecond", 0L) > 0);
    JsonObject pg = results.getJsonObject("postgresSettings", new JsonObject());
    expect("PostgreSQL flushes each commit before it answers (synchronous_commit, fsync on)",
        "on".equals(pg.getString("synchronous_commit")) && "on".equals(pg.getString("fsync")));
    checkIngest("durable ingest", s.getJsonObject("durableIngest"));
    checkIngest("batch ingest", s.getJsonObject("batchIngest"));
    checkDeliveries("end to end at full load", s.getJsonObject("endToEndFullLoad"));
    checkDeliveries("end to end at a fixed rate", s.getJsonObject("endToEndFixedRate"));
    checkDeliveries("fan-out", s.getJsonObject("fanOut"));
    JsonObject stall = s.getJsonObject("stalledBesideHealthy", new JsonObject());
    checkDeliveries("healthy endpoint alone", stall.getJsonObject("alone"));
    JsonObject beside = stall.getJsonObject("besideStalled");
    checkDeliveries("healthy endpoint beside a stalled one", beside);
    expect("the stalled endpoint was sent requests", beside != null
        && beside.getLong("stalledRequestsSeen", 0L) > 0);
    JsonObject techniques = results.getJsonObject("techniques", new JsonObject());
    JsonObject signing = techniques.getJsonObject("signing", new JsonObject());
    JsonObject body = techniques.getJsonObject("body", new JsonObject());
    expect("signing and delivery bodies were measured both ways",
        signing.getDouble("keptMicros", 0.0) > 0 && signing.getDouble("perDeliveryMicros", 0.0) > 0
            && body.getDouble("storedMicros", 0.0) > 0
            && body.getDouble("reparsedMicros", 0.0) > 0);
    JsonObject retention = techniques.getJsonObject("retention", new JsonObject());
    expect("retention was measured both ways, deleting writing WAL",
        retention.getDouble("deleteAndVacuumMs", 0.0) > 0
            && retention.getLong("deleteAndVacuumWalBytes", 0L) > 0
            && retention.containsKey("dropPartitionMs"));
  }

  private void checkIngest(String name, JsonObject result) {
    if (!expect(name + " ran", result != null)) {
      return;
    }
    expect(name + " acknowledged events", result.getLong("eventsPerSecond", 0L) > 0);
    expect(name + " had no failed request (" + result.getString("firstFailure") + ")",
        result.getLong("failedRequests", 1L) == 0 && result.getLong("refusedItems", 0L) == 0);
    expect(name + " latency percentiles are ordered", ordered(result.getJsonObject(
        "ackLatencyMs")));
  }

  private void checkDeliveries(String name, JsonObject result) {
    if (!expect(name + " ran", result != null)) {
      return;
    }
    expect(name + " delivered", result.getLong("deliveriesPerSecond", 0L) > 0);
    expect(name + " had no failed request (" + result.getString("firstFailure") + ")",
        result.getLong("failedRequests", 1L) == 0 && result.getLong("refusedItems", 0L) == 0);
    expect(name + " delivered every acknowledged event",
        result.getLong("deliveriesReceived", -1L)
            .equals(result.getLong("deliveriesExpected", -2L)));
    expect(name + " signed every delivery correctly", result.getLong("badSignatures", 1L)
        == 0);
    expect(name + " logged every attempt", result.getLong("attemptsLogged", -1L)
        .equals(result.getLong("requestsReceived", -2L)));
    expect(name + " lag percentiles are ordered", ordered(result.getJsonObject("lagMs")));
  }

  private static boolean ordered(JsonObject latency) {
    return latency != null && latency.getLong("count", 0L) > 0
        && latency.getDouble("p50") > 0 && latency.getDouble("p50") <= latency.getDouble("p99")
        && latency.getDouble("p99") <= latency.getDouble("max");
  }

  private boolean expect(String name, boolean holds) {
    (holds ? passed : failed).add(name);
    return holds;
  }
}
