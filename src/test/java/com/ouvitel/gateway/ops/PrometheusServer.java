package com.ouvitel.gateway.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus server (the binary of Debian's package, never its service) for one
 * test: it listens on a free loopback port, keeps its data in a scratch folder, scrapes
 * one target every second and evaluates the gateway's rules every second.
 */
final class PrometheusServer implements AutoCloseable {

  /** HTTP/1.1 as Prometheus scrapes: the JDK client's h2c upgrade stalls on large answers. */
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final Path folder;
  private final Process process;
  private final String base;

  private PrometheusServer(Path folder, Process process, int port) {
    this.folder = folder;
    this.process = process;
    this.base = "http://127.0.0.1:" + port;
  }

  /** Starts Prometheus scraping {@code target} (host:port) as job {@code job}. */
  static PrometheusServer start(String job, String target, Path rules) {
    try {
      Path folder = Files.createTempDirectory("ouvitel-prometheus");
      Path config = folder.resolve("prometheus.yml");
      Files.writeString(config, """
          global:
            scrape_interval: 1s
            scrape_timeout: 1s
            evaluation_interval: 1s
          rule_files:
            - %s
          scrape_configs:
            - job_name: %s
              metrics_path: /metrics
              static_configs:
                - targets: ["%s"]
          """.formatted(rules.toAbsolutePath(), job, target));
      int port = freePort();
      Process process = new ProcessBuilder("prometheus",
          "--config.file=" + config,
          "--web.listen-address=127.0.0.1:" + port,
          "--storage.tsdb.path=" + folder.resolve("data"),
          "--storage.tsdb.retention.time=1h")
          .redirectErrorStream(true)
          .redirectOutput(folder.resolve("prometheus.log").toFile())
          .start();
      PrometheusServer server = new PrometheusServer(folder, process, port);
      server.awaitReady();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start prometheus", e);
    }
  }

  /** The {@code data} of an instant query's answer. */
  JsonArray query(String promql) {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
        .getJsonObject("data").getJsonArray("result");
  }

  /** The value of a query answering one sample, or NaN when it answers none. */
  double value(String promql) {
    JsonArray result = query(promql);
    if (result.isEmpty()) {
      return Double.NaN;
    }
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }

  JsonObject get(String path) {
    try {
      HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create(base + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError(path + " answered " + response.statusCode() + ": "
            + response.body());
      }
      return new JsonObject(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(path + " failed; prometheus said:\n" + log(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What Prometheus printed so far. */
  String log() {
    try {
      return Files.readString(folder.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("prometheus exited " + process.exitValue() + ":\n" + log());
      }
      try {
        HttpResponse<String> ready = CLIENT.send(HttpRequest.newBuilder(
            URI.create(base + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Still starting.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(200);
    }
    throw new AssertionError("prometheus did not get ready in 60 s:\n" + log());
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(folder)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (IOException ignored) {
      // A scratch folder in /tmp; nothing depends on it.
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
