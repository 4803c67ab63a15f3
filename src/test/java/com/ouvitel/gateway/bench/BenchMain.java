package com.ouvitel.gateway.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The load generator process and the conductor of the benchmark: PostgreSQL, the baselines,
 * the gateway as its own process, the receiver (in this JVM), the five scenarios, then the
 * table and target/bench/results.json. {@code --smoke} runs each scenario briefly and fails
 * unless every result is complete and sane.
 */
public final class BenchMain {

  private static final Path OUT = Path.of("target", "bench");

  private final BenchSettings settings;
  private final Vertx vertx = Vertx.vertx();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final JsonObject results = new JsonObject();
  private boolean closed;

  private BenchMain(BenchSettings settings) {
    this.settings = settings;
  }

  public static void main(String[] args) throws IOException {
    boolean smoke = List.of(args).contains("--smoke");
    Files.createDirectories(OUT);
    // Two runs at once would share target/bench (the embedded server's data among it) and
    // the machine: the second one stops here. The lock goes with this process.
    FileChannel lockFile = FileChannel.open(OUT.resolve("run.lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    if (lockFile.tryLock() == null) {
      System.err.println("Another bench is running in this checkout (target/bench/run.lock)");
      System.exit(2);
    }
    String unknown = unknownParts();
    if (!unknown.isEmpty()) {
      System.err.println("BENCH_ONLY names no such part: " + unknown + "; the parts are "
          + String.join(",", PARTS));
      System.exit(2);
    }
    // A results file is this run's or none: an interrupted run must not leave the last one's.
    Files.deleteIfExists(OUT.resolve("results.json"));
    BenchMain bench = new BenchMain(smoke ? BenchSettings.smoke() : BenchSettings.full());
    Thread interrupted = new Thread(bench::interrupted, "bench-interrupted");
    Runtime.getRuntime().addShutdownHook(interrupted);
    try {
      bench.run();
    } catch (RuntimeException e) {
      bench.results.put("error", e.toString());
      System.err.println("The bench stopped early: " + e);
      e.printStackTrace(System.err);
    } finally {
      bench.closeAll();
    }
    int failures = Report.write(bench.results, OUT.resolve("results.json"), System.out);
    Runtime.getRuntime().removeShutdownHook(interrupted);
    System.exit(failures == 0 ? 0 : 1);
  }

  /**
   * SIGINT or SIGTERM before the end: stops the gateway and PostgreSQL (and drops the bench
   * databases) instead of leaving them running, and says so in target/bench/results.json.
   */
  private void interrupted() {
    System.err.println("The bench was interrupted: stopping the gateway and PostgreSQL");
    results.put("error", "interrupted before the end of the run");
    // Vert.x stays open: the scenario under way goes on sending until the JVM halts, and a
    // closed client would fill the output with its failures.
    closeResources();
    try {
      Files.writeString(OUT.resolve("results.json"), results.encodePrettily());
    } catch (IOException | RuntimeException e) {
      System.err.println("could not write results.json: " + e.getMessage());
    }
  }

  private void run() {
    long started = System.nanoTime();
    results.put("mode", settings.mode()).put("startedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("environment", knobs(System.getenv()));
    log("starting PostgreSQL");
    BenchPostgres postgres = closing(BenchPostgres.start(System.getenv("DATABASE_URL"),
        OUT.resolve("pg-data").toAbsolutePath()));
    results.put("postgres", postgres.describe());
    results.put("postgresSettings", postgres.durability());

    JsonObject baselines = new JsonObject();
    results.put("baselines", baselines);
    if (wanted("baselines")) {
      log("baseline: bare Vert.x HTTP server");
      baselines.put("bareHttp", Baselines.bareHttp(vertx, settings, OUT));
    }

    JsonObject techniques = new JsonObject();
    results.put("techniques", techniques);
    if (wanted("baselines")) {
      log("techniques apart: signing, delivery bodies");
      techniques.put("signing", TechniqueCosts.signing(settings.techniqueTime()));
      techniques.put("body", TechniqueCosts.body(settings.techniqueTime()));
    }

    log("starting the gateway");
    ChildProcess gateway = closing(startGateway(postgres.url()));
    PgWaits waits = closing(new PgWaits(postgres.url()));
    Path postmaster = postgres.embedded() ? OUT.resolve("pg-data/postmaster.pid") : null;
    Measurement measurement = new Measurement(settings,
        new CpuUsage(gateway.pid(), postmaster), waits, postgres.url(),
        new GatewayHistograms("http://127.0.0.1:" + managementPort + "/metrics"));

    if (wanted("baselines")) {
      log("baseline: raw batched inserts into PostgreSQL");
      String baselineDatabase = postgres.baselineDatabaseUrl();
      baselines.put("rawInserts", Baselines.rawInserts(vertx, baselineDatabase, settings));
      log("techniques apart: retention of a day of attempts");
      techniques.put("retention",
          TechniqueCosts.retention(baselineDatabase, settings.retentionRows()));
      postgres.dropBaselineDatabase();
    }

    BenchReceiver receiver = new BenchReceiver(vertx);
    LoadClient client = new LoadClient(vertx, gatewayPort, 512);
    Scenarios scenarios = new Scenarios(settings, client, receiver, measurement, adminToken);
    JsonObject scenario = new JsonObject();
    results.put("scenarios", scenario);
    List<Integer> ports = ports(receiver, settings.endpoints());
    if (wanted("ingest")) {
      log("scenario 1: durable ingest");
      scenario.put("durableIngest", scenarios.durableIngest());
    }
    if (wanted("batch")) {
      log("scenario 2: batch ingest");
      scenario.put("batchIngest", scenarios.batchIngest());
    }
    if (wanted("e2e")) {
      log("scenario 3: end to end at full load");
      scenario.put("endToEndFullLoad", scenarios.endToEndFullLoad(ports));
    }
    if (wanted("lag")) {
      log("scenario 3: end to end at a fixed rate");
      scenario.put("endToEndFixedRate", scenarios.endToEndFixedRate(ports));
    }
    if (wanted("fanout")) {
      log("scenario 4: fan-out to 10 webhooks");
      scenario.put("fanOut", scenarios.fanOut(ports(receiver, 10)));
    }
    if (wanted("stall")) {
      log("scenario 5: a stalled endpoint beside a healthy one");
      scenario.put("stalledBesideHealthy", scenarios.stalledBesideHealthy(
          receiver.openPort(), receiver.openStalledPort()));
    }
    results.put("gatewayAlive", gateway.alive());
    client.close();
    receiver.close();
    results.put("seconds", Math.round((System.nanoTime() - started) / 1e9));
  }

  /** The parts {@code BENCH_ONLY} may name. */
  private static final List<String> PARTS =
      List.of("baselines", "ingest", "batch", "e2e", "lag", "fanout", "stall");

  /**
   * Whether a part runs: all of them unless {@code BENCH_ONLY} names some, for working on one
   * figure; a full run needs all.
   */
  private static boolean wanted(String part) {
    List<String> only = onlyParts();
    return only.isEmpty() || only.contains(part);
  }

  private static List<String> onlyParts() {
    String only = System.getenv().getOrDefault("BENCH_ONLY", "");
    return java.util.Arrays.stream(only.split(",")).map(String::trim)
        .filter(part -> !part.isEmpty()).toList();
  }

  /** The parts of {@code BENCH_ONLY} that are none of {@link #PARTS}, comma-separated. */
  private static String unknownParts() {
    return String.join(",", onlyParts().stream().filter(part -> !PARTS.contains(part))
        .toList());
  }

  /**
   * The variables that change what a run measures ({@code BENCH_*}, {@code GATEWAY_*},
   * whether {@code DATABASE_URL} is set), so that a run with a technique switched off reads
   * as one. Values of names that may hold a secret, and the database URL, are not kept.
   */
  static JsonObject knobs(Map<String, String> environment) {
    JsonObject knobs = new JsonObject();
    new java.util.TreeMap<>(environment).forEach((name, value) -> {
      if (name.equals("DATABASE_URL")) {
        knobs.put(name, value.isBlank() ? "(empty)" : "(set)");
      } else if (name.startsWith("BENCH_") || name.startsWith("GATEWAY_")) {
        boolean secret = name.matches(".*(TOKEN|KEY|SECRET|PASSWORD|URL).*");
        knobs.put(name, secret ? "(set)" : value);
      }
    });
    return knobs;
  }

  private int gatewayPort;
  private int managementPort;
  private String adminToken;

  private ChildProcess startGateway(String databaseUrl) {
    int[] ports = com.ouvitel.gateway.support.GatewayProcess.freePorts(2);
    gatewayPort = ports[0];
    int management = ports[1];
    managementPort = management;
    adminToken = "bench-admin-" + Long.toHexString(System.nanoTime());
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", databaseUrl);
    env.put("GATEWAY_HTTP_PORT", Integer.toString(gatewayPort));
    env.put("GATEWAY_MANAGEMENT_PORT", Integer.toString(management));
    env.put("GATEWAY_ADMIN_TOKEN", adminToken);
    env.put("GATEWAY_ALLOW_HTTP_ENDPOINTS", "true");
    env.put("GATEWAY_ALLOWED_CIDRS", "127.0.0.0/8");
    env.put("GATEWAY_DRAIN_TIMEOUT", "2s");
    List<String> command = new ArrayList<>(List.of(ChildProcess.java()));
    String options = System.getenv().getOrDefault("BENCH_GATEWAY_JAVA_OPTS", "-Xmx2g");
    for (String option : options.trim().split("\\s+")) {
      if (!option.isEmpty()) {
        command.add(option);
      }
    }
    // Every pause of the gateway's JVM, with wall-clock times to set beside the lag's slices.
    command.add("-Xlog:gc,safepoint:file=" + OUT.resolve("gateway-pauses.log") + ":time");
    if ("jfr".equals(System.getenv("BENCH_PROFILE"))) {
      command.add("-XX:StartFlightRecording=filename=" + OUT.resolve("gateway.jfr")
          + ",settings=profile,jdk.ExecutionSample#period=2ms");
    }
    command.addAll(List.of("-jar", "target/webhook-gateway.jar"));
    results.put("gatewayCommand", String.join(" ", command));
    return ChildProcess.start("gateway", command, env, OUT.resolve("gateway.log"))
        .awaitReady("http://127.0.0.1:" + management + "/health/ready",
            Duration.ofMinutes(3));
  }

  private static List<Integer> ports(BenchReceiver receiver, int count) {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(receiver.openPort());
    }
    return ports;
  }

  private <T extends AutoCloseable> T closing(T resource) {
    toClose.add(0, resource);
    return resource;
  }

  private void closeAll() {
    closeResources();
    vertx.close();
  }

  /**
   * Stops the processes and drops the databases the run started, once: from the end of the
   * run or from the shutdown hook.
   */
  private synchronized void closeResources() {
    if (closed) {
      return;
    }
    closed = true;
    for (AutoCloseable resource : toClose) {
      try {
        resource.close();
      } catch (Exception e) {
        System.err.println("could not close " + resource + ": " + e.getMessage());
      }
    }
  }

  static void log(String what) {
    System.out.println("[bench " + Instant.now().toString().substring(11, 19) + "] " + what);
  }
}
