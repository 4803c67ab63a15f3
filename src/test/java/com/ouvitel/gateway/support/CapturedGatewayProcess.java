package com.ouvitel.gateway.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The gateway as operators run it, its output kept apart (unlike GatewayProcess, which
 * writes both streams to one file): {@code com.ouvitel.gateway.Main} in a JVM of its own,
 * started from the project root with only the environment given here (no GATEWAY_ variable
 * or DATABASE_URL of the test's own environment leaks in), its stdout and stderr captured
 * line by line.
 */
public final class CapturedGatewayProcess implements AutoCloseable {

  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final List<Thread> readers = new ArrayList<>();

  private CapturedGatewayProcess(Process process) {
    this.process = process;
    readers.add(reader(process.getInputStream(), stdout));
    readers.add(reader(process.getErrorStream(), stderr));
  }

  public static CapturedGatewayProcess start(Map<String, String> environment) {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), "com.ouvitel.gateway.Main")
        .directory(Path.of("").toAbsolutePath().toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("GATEWAY_")
        || name.equals("DATABASE_URL"));
    builder.environment().putAll(environment);
    try {
      return new CapturedGatewayProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the gateway process", e);
    }
  }

  /** Waits for a stdout line that passes the test, and returns it. */
  public String awaitLine(Predicate<String> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : stdout) {
        if (condition.test(line)) {
          return line;
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Api.sleep(100);
    }
    throw new AssertionError("no such line in the gateway's output; it printed:\n"
        + String.join("\n", stdout) + "\n--- stderr\n" + String.join("\n", stderr));
  }

  /** Sends SIGTERM, as Kubernetes does, and waits for the process to exit. */
  public int stop(Duration timeout) {
    // Through the handle: Process.destroy() would also close the pipes, and the lines
    // printed while draining would be lost.
    process.toHandle().destroy();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("the gateway did not exit within " + timeout);
      }
      for (Thread reader : readers) {
        reader.join(5000);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public List<String> stdout() {
    return List.copyOf(stdout);
  }

  /** Everything printed, for failure messages. */
  public String transcript() {
    return String.join("\n", stdout) + "\n--- stderr\n" + String.join("\n", stderr);
  }

  public List<String> stderr() {
    return List.copyOf(stderr);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static Thread reader(java.io.InputStream stream, List<String> lines) {
    Thread thread = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // The process ended.
      }
    }, "gateway-process-output");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
