package com.ouvitel.gateway.support;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook endpoint for tests: a real HTTP or HTTPS server that records every request and
 * answers each path with a scripted series of status codes (the last one repeats).
 */
public final class TestReceiver implements AutoCloseable {

  /** One request as the endpoint saw it. */
  public record Request(String path, MultiMap headers, byte[] body, Instant at) {

    public String header(String name) {
      return headers.get(name);
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, int[]> scripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();
  private final Map<String, Long> delays = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final boolean tls;

  private TestReceiver(boolean tls) {
    this.tls = tls;
    HttpServerOptions options = new HttpServerOptions().setPort(0).setHost("127.0.0.1");
    if (tls) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(resource("tls/server.pem")).setKeyPath(resource("tls/server.key")));
    }
    server = vertx.createHttpServer(options)
        .connectionHandler(connection -> connections.incrementAndGet())
        .requestHandler(request -> request.body()
        .onSuccess(body -> {
          String path = request.path();
          requests.add(new Request(path, MultiMap.caseInsensitiveMultiMap()
              .addAll(request.headers()), body.getBytes(), Instant.now()));
          int[] script = scripts.getOrDefault(path, new int[] {200});
          int index = counters.computeIfAbsent(path, p -> new AtomicInteger()).getAndIncrement();
          int status = script[Math.min(index, script.length - 1)];
          long delay = delays.getOrDefault(path, 0L);
          if (delay > 0) {
            vertx.setTimer(delay, id -> request.response().setStatusCode(status)
                .end("answer " + status));
          } else {
            request.response().setStatusCode(status).end("answer " + status);
          }
        }));
    try {
      server.listen().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static TestReceiver http() {
    return new TestReceiver(false);
  }

  /** HTTPS with a certificate for localhost signed by the test CA in tls/ca.pem. */
  public static TestReceiver https() {
    return new TestReceiver(true);
  }

  public static String resource(String name) {
    return TestReceiver.class.getClassLoader().getResource(name).getPath();
  }

  /** The URL of a path on this endpoint, reached through 127.0.0.1. */
  public String url(String path) {
    return (tls ? "https://localhost:" : "http://127.0.0.1:") + server.actualPort() + path;
  }

  /** Answers the given statuses in turn on that path; the last one repeats. */
  public TestReceiver script(String path, int... statuses) {
    scripts.put(path, statuses);
    return this;
  }

  /** Answers every request on that path only after a pause, to keep attempts in flight. */
  public TestReceiver delay(String path, long millis) {
    delays.put(path, millis);
    return this;
  }

  /** The requests of a path by their {@code X-Ouvitel-Delivery} id, in arrival order. */
  public Map<String, List<Request>> byDelivery(String path) {
    Map<String, List<Request>> grouped = new LinkedHashMap<>();
    for (Request request : requests(path)) {
      grouped.computeIfAbsent(request.header("X-Ouvitel-Delivery"), id -> new ArrayList<>())
          .add(request);
    }
    return grouped;
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  public List<Request> requests(String path) {
    List<Request> matching = new ArrayList<>();
    for (Request request : requests) {
      if (request.path().equals(path)) {
        matching.add(request);
      }
    }
    return matching;
  }

  /** Waits until the path has received at least that many requests, and returns them. */
  public List<Request> await(String path, int count, Duration timeout) {
    return Api.awaitAtLeast(() -> requests(path), count, timeout, "requests on " + path);
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // The test is over.
    }
  }
}
