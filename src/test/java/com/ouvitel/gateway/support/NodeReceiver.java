package com.ouvitel.gateway.support;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The Node webhook receiver of src/test/node/receiver.js, run as a real process. Each path
 * is told the secrets it knows and how many attempts of each delivery it fails; every
 * delivery it got is read back as a record of how each way of verifying it went.
 */
public final class NodeReceiver implements AutoCloseable {

  /** The folder with the receiver script, its package.json and its lock file. */
  public static final Path FOLDER = Path.of("src", "test", "node").toAbsolutePath();

  private static final List<String> PACKAGES = List.of("express", "standardwebhooks");
  private static final String INSTALL = "install the test tools with `make test-tools` "
      + "(it runs `npm ci` in src/test/node)";

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private NodeReceiver(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts a receiver. Without node or the npm packages the test fails when CI=true (CI
   * installs them through `make test`, so a missing one means that step is broken) and is
   * skipped elsewhere, with the command that fixes it.
   */
  public static NodeReceiver start() {
    requireNodeAndPackages();
    try {
      Path log = Files.createTempFile("node-receiver", ".log");
      Process process = new ProcessBuilder("node", "receiver.js")
          .directory(FOLDER.toFile())
          .redirectError(log.toFile())
          .start();
      return new NodeReceiver(process, awaitPort(process, log), log);
    } catch (IOException e) {
      throw new IllegalStateException("could not start the Node receiver: " + e, e);
    }
  }

  /** The URL of a path on this receiver. */
  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /**
   * Tells a path which secrets it knows, by label, and how many attempts of each delivery
   * it answers with 503 before it answers 200. Calling it again keeps what was recorded.
   */
  public void configure(String path, int failAttempts, Map<String, String> secrets) {
    JsonArray known = new JsonArray();
    secrets.forEach((label, secret) -> known.add(new JsonObject()
        .put("label", label).put("secret", secret)));
    JsonObject config = new JsonObject().put("path", path).put("secrets", known)
        .put("failAttempts", failAttempts);
    HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(url("/_control/paths")))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(config.encode())));
    if (answer.statusCode() != 204) {
      fail("the Node receiver refused its configuration: " + answer.body());
    }
  }

  /** Every delivery the path received so far, oldest first. */
  public List<Delivery> deliveries(String path) {
    HttpResponse<String> answer = send(HttpRequest.newBuilder(
        URI.create(url("/_control/results?path=" + path))).GET());
    JsonArray results = new JsonObject(answer.body()).getJsonArray("results");
    return results.stream().map(entry -> new Delivery((JsonObject) entry)).toList();
  }

  /** Waits until the deliveries of a path satisfy the condition, and returns them. */
  public List<Delivery> await(String path, Predicate<List<Delivery>> condition,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Delivery> seen = deliveries(path);
    while (!condition.test(seen)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the Node receiver's " + path + " never got what was "
            + "expected; it got " + seen.size() + " requests: " + seen);
      }
      Api.sleep(100);
      seen = deliveries(path);
    }
    return seen;
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      Files.deleteIfExists(log);
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** One request as the receiver saw it, with one check per secret it knows. */
  public record Delivery(JsonObject json) {

    public String deliveryId() {
      return json.getString("deliveryId");
    }

    public int attempt() {
      return json.getInteger("attempt");
    }

    public String body() {
      return json.getString("body");
    }

    public String bodySha256() {
      return json.getString("bodySha256");
    }

    /** True when {@code JSON.stringify(JSON.parse(body))} gave the body back unchanged. */
    public boolean roundTrips() {
      return json.getBoolean("roundTrip");
    }

    public long webhookTimestamp() {
      return json.getLong("webhookTimestamp");
    }

    public long ouvitelTimestamp() {
      return json.getLong("ouvitelTimestamp");
    }

    public long receivedAtMs() {
      return json.getLong("receivedAtMs");
    }

    /** How many signatures {@code webhook-signature} carried. */
    public int signatureCount() {
      return json.getInteger("signatureCount");
    }

    public int status() {
      return json.getInteger("status");
    }

    /** The check made with the secret of that label. */
    public Check check(String label) {
      for (Object entry : json.getJsonArray("checks")) {
        JsonObject check = (JsonObject) entry;
        if (check.getString("label").equals(label)) {
          return new Check(check.getBoolean("rawHmac"), check.getBoolean("stringifyHmac"),
              check.getBoolean("standard"), check.getString("standardError"));
        }
      }
      throw new AssertionError("no check with the secret labelled " + label + " in " + json);
    }

    @Override
    public String toString() {
      JsonObject shown = json.copy();
      String body = shown.getString("body", "");
      if (body.length() > 300) {
        shown.put("body", body.substring(0, 300) + "…");
      }
      return shown.encode();
    }
  }

  /**
   * How one secret fared: the hex HMAC of the raw body, the description's
   * {@code JSON.stringify(req.body)} recipe, and the standardwebhooks package.
   */
  public record Check(boolean rawHmac, boolean stringifyHmac, boolean standard,
      String standardError) {

    public boolean all() {
      return rawHmac && stringifyHmac && standard;
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("the Node receiver did not answer: " + e
          + "\n" + stderr(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String stderr() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static int awaitPort(Process process, Path log) throws IOException {
    BufferedReader stdout = new BufferedReader(new InputStreamReader(
        process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
      try {
        return stdout.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = firstLine.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      line = null;
    }
    if (line == null || !line.startsWith("listening ")) {
      process.destroyForcibly();
      throw new IllegalStateException("the Node receiver did not start; it printed "
          + line + "\n" + Files.readString(log));
    }
    return Integer.parseInt(line.substring("listening ".length()).trim());
  }

  private static void requireNodeAndPackages() {
    if (!RequiredTools.isOnPath("node")) {
      RequiredTools.missing("node is not on the PATH; " + INSTALL);
      return;
    }
    for (String name : PACKAGES) {
      if (!Files.isDirectory(FOLDER.resolve("node_modules").resolve(name))) {
        RequiredTools.missing("the npm package " + name + " is not installed in " + FOLDER
            + "; " + INSTALL);
        return;
      }
    }
  }
}
