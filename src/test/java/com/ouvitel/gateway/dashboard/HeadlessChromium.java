package com.ouvitel.gateway.dashboard;

import com.ouvitel.gateway.support.RequiredTools;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Debian's chromium, headless, with a fresh profile, driven over the DevTools protocol (a
 * WebSocket of JSON commands) with the JDK's own HTTP client. Nothing is downloaded.
 */
final class HeadlessChromium implements AutoCloseable {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private final Process process;
  private final Path profile;
  private WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> answers = new ConcurrentHashMap<>();

  private HeadlessChromium(Process process, Path profile) {
    this.process = process;
    this.profile = profile;
  }

  /** Starts chromium (a missing one fails under CI=true, else skips the test). */
  static HeadlessChromium start(int width, int height) throws Exception {
    if (!RequiredTools.isOnPath("chromium")) {
      RequiredTools.missing("chromium was not found; install the test tools with "
          + "`sudo ops/install-test-tools.sh` (make test-tools)");
    }
    Path profile = Files.createTempDirectory("ouvitel-chromium");
    Process process = new ProcessBuilder("chromium", "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--no-default-browser-check",
        "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0", "--window-size=" + width + "," + height, "about:blank")
        .redirectErrorStream(true)
        .redirectOutput(profile.resolve("chromium.log").toFile())
        .start();
    try {
      int port = debuggingPort(profile, process);
      String page = pageSocketUrl(port);
      HeadlessChromium browser = new HeadlessChromium(process, profile);
      browser.connect(page);
      return browser;
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private void connect(String url) throws Exception {
    socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create(url), new Listener(answers))
        .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    send("Page.enable", new JsonObject());
    send("Runtime.enable", new JsonObject());
  }

  /** Chromium writes the port it chose into the profile once it listens. */
  private static int debuggingPort(Path profile, Process process) throws Exception {
    Path file = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        if (!lines.isEmpty() && !lines.get(0).isBlank()) {
          return Integer.parseInt(lines.get(0).trim());
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("chromium exited: "
            + Files.readString(profile.resolve("chromium.log")));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("chromium did not open its DevTools port in " + PATIENCE);
  }

  private static String pageSocketUrl(int port) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      String list = client.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      for (Object target : new JsonArray(list)) {
        JsonObject page = (JsonObject) target;
        if ("page".equals(page.getString("type"))) {
          return page.getString("webSocketDebuggerUrl");
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("chromium opened no page");
  }

  /** Sends one command and waits for its answer's result. */
  JsonObject send(String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    answers.put(id, answer);
    socket.sendText(new JsonObject().put("id", id).put("method", method)
        .put("params", params).encode(), true).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    JsonObject reply = answer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    if (reply.containsKey("error")) {
      throw new IllegalStateException(method + " failed: " + reply.getValue("error"));
    }
    return reply.getJsonObject("result");
  }

  /** Evaluates JavaScript in the page (awaiting a promise) and returns its value. */
  Object evaluate(String expression) throws Exception {
    JsonObject result = send("Runtime.evaluate", new JsonObject()
        .put("expression", expression).put("awaitPromise", true).put("returnByValue", true));
    if (result.containsKey("exceptionDetails")) {
      throw new IllegalStateException("the page threw: " + result.getValue("exceptionDetails"));
    }
    return result.getJsonObject("result").getValue("value");
  }

  /** Waits until a JavaScript condition (maybe a promise) is true in the page. */
  void waitFor(String condition, String what) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (System.nanoTime() < deadline) {
      if (Boolean.TRUE.equals(evaluate(condition))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the page never showed " + what + " (" + condition + "); text: "
        + evaluate("document.body.innerText"));
  }

  void navigate(String url) throws Exception {
    send("Page.navigate", new JsonObject().put("url", url));
    waitFor("document.readyState === 'complete'", "a loaded document");
  }

  /** Presses Enter as the keyboard would, on the focused element. */
  void pressEnter() throws Exception {
    JsonObject key = new JsonObject().put("key", "Enter").put("code", "Enter")
        .put("windowsVirtualKeyCode", 13);
    send("Input.dispatchKeyEvent", key.copy().put("type", "keyDown").put("text", "\r"));
    send("Input.dispatchKeyEvent", key.copy().put("type", "keyUp"));
  }

  void screenshot(Path file) throws Exception {
    JsonObject shot = send("Page.captureScreenshot", new JsonObject().put("format", "png")
        .put("captureBeyondViewport", true));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(shot.getString("data")));
  }

  @Override
  public void close() throws IOException {
    if (socket != null) {
      socket.abort();
    }
    // Chromium's renderer and zygote processes outlive a killed parent: end them all,
    // and wait, so no browser keeps the CPU busy for the tests that follow.
    List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
    all.add(process.toHandle());
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle handle : all) {
      try {
        handle.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
      }
    }
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  /** Collects the text frames of each message and completes the answer of its id. */
  private static final class Listener implements WebSocket.Listener {
    private final Map<Integer, CompletableFuture<JsonObject>> answers;
    private final StringBuilder message = new StringBuilder();

    Listener(Map<Integer, CompletableFuture<JsonObject>> answers) {
      this.answers = answers;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        JsonObject json = new JsonObject(message.toString());
        message.setLength(0);
        Integer id = json.getInteger("id");
        if (id != null) {
          CompletableFuture<JsonObject> answer = answers.remove(id);
          if (answer != null) {
            answer.complete(json);
          }
        }
      }
      webSocket.request(1);
      return null;
    }
  }
}
