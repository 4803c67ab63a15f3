package com.ouvitel.gateway.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the bench starts (the gateway, the bare baseline server): its output goes to a
 * log file, it counts as started once a URL answers 200, and it is stopped with SIGTERM
 * (then SIGKILL after 30 s). Where util-linux's {@code setpriv} is at hand, the kernel sends
 * it SIGTERM as well when the bench dies, even of a SIGKILL, so that no gateway outlives
 * its run.
 */
final class ChildProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ChildProcess start(String name, List<String> command, Map<String, String> env,
      Path log) {
    ProcessBuilder builder = new ProcessBuilder(withParentDeathSignal(command))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    try {
      return new ChildProcess(name, builder.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  /**
   * The command run through {@code setpriv --pdeathsig TERM}, which sets the signal and then
   * execs it (same pid). The signal comes when the thread that started the child ends: the
   * bench starts its children from its main thread, which lives until the bench exits.
   */
  private static List<String> withParentDeathSignal(List<String> command) {
    if (!java.nio.file.Files.isExecutable(SETPRIV)) {
      return command;
    }
    List<String> wrapped = new java.util.ArrayList<>(
        List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  /** The java of this JVM, for the child JVMs. */
  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** Waits until the URL answers 200, failing if the process ends first. */
  ChildProcess awaitReady(String url, Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue()
            + "; see " + log);
      }
      HttpResponse<String> answer = LocalHttp.get(url, Duration.ofSeconds(2));
      if (answer != null && answer.statusCode() == 200) {
        return this;
      }
      Pause.millis(200);
    }
    throw new IllegalStateException(name + " was not ready within " + patience + "; see " + log);
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** A port free at the moment of asking, on 127.0.0.1. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
