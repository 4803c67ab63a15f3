package com.ouvitel.gateway.support;

import com.ouvitel.gateway.config.GatewayConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway as its own operating-system process, started with {@code java} on the test's
 * class path exactly as a pod starts it: settings from the environment, the project root as
 * its working directory. Tests kill it with SIGKILL or stop it with SIGTERM.
 */
public final class GatewayProcess implements AutoCloseable {

  private static final HttpClient PROBE = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Process process;
  private final int httpPort;
  private final int managementPort;
  private final Path log;
  public final Api api;

  private GatewayProcess(String name, Process process, int httpPort, int managementPort,
      Path log) {
    this.name = name;
    this.process = process;
    this.httpPort = httpPort;
    this.managementPort = managementPort;
    this.log = log;
    this.api = new Api("http://127.0.0.1:" + httpPort, TestGateway.ADMIN_TOKEN);
  }

  /**
   * Starts a pod named {@code name} (its HOSTNAME, so its leases are {@code name-...}) on
   * that database, with test defaults and the given settings (keys of gateway.yaml), and
   * waits until it is ready.
   */
  public static GatewayProcess start(String name, String databaseUrl,
      Map<String, String> settings) {
    int[] ports = freePorts(2);
    int httpPort = ports[0];
    int managementPort = ports[1];
    Map<String, String> values = TestGateway.defaults();
    values.put("http_port", Integer.toString(httpPort));
    values.put("management_port", Integer.toString(managementPort));
    values.put("db_pool_size", "6");
    values.put("retry_initial_delay", "500ms");
    values.put("poll_interval", "200ms");
    values.put("drain_timeout", "5s");
    values.putAll(settings);

    ProcessBuilder builder = new ProcessBuilder(List.of(javaBinary(), "-Xmx256m",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), "com.ouvitel.gateway.Main"));
    builder.directory(Path.of("").toAbsolutePath().toFile());
    Map<String, String> environment = builder.environment();
    environment.put("DATABASE_URL", databaseUrl);
    environment.put("HOSTNAME", name);
    values.forEach((key, value) -> environment.put(GatewayConfig.environmentName(key), value));
    Path log = logFile(name);
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    try {
      GatewayProcess pod = new GatewayProcess(name, builder.start(), httpPort,
          managementPort, log);
      pod.awaitReady(Duration.ofSeconds(90));
      return pod;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start gateway process " + name, e);
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** GET /health/ready: its status code, or -1 when nothing answers. */
  public int readiness() {
    try {
      return PROBE.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + managementPort + "/health/ready")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** SIGKILL: the pod vanishes without any chance to clean up. */
  public void kill() {
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(30));
  }

  /** SIGTERM, as Kubernetes sends it; returns at once. */
  public void terminate() {
    process.destroy();
  }

  /** Waits for the process to end and answers its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("gateway process " + name + " still runs after " + timeout
            + "\n" + logTail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The last lines the process wrote, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("gateway process " + name + " exited with "
            + process.exitValue() + " before it was ready\n" + logTail());
      }
      if (readiness() == 200) {
        return;
      }
      Api.sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException("gateway process " + name + " was not ready after "
        + timeout + "\n" + logTail());
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Path logFile(String name) {
    try {
      Path folder = Files.createDirectories(Path.of("target", "gateway-processes"));
      return folder.resolve(name + "-" + System.currentTimeMillis() + ".log");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A port free right now on the loopback address. */
  public static int freePort() {
    return freePorts(1)[0];
  }

  /**
   * Ports free right now, all different: each socket stays open until the last is bound,
   * since one closed at once may come back from the next ask (a pod on one port for both its
   * servers answered half its API calls from the management routes).
   */
  public static int[] freePorts(int count) {
    ServerSocket[] sockets = new ServerSocket[count];
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      for (ServerSocket socket : sockets) {
        closeQuietly(socket);
      }
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    if (socket == null) {
      return;
    }
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing was bound to it worth keeping.
    }
  }
}
