package com.ouvitel.gateway.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/**
 * The load generator's HTTP side: keep-alive connections to one server, and runs that keep
 * a number of requests in flight, optionally held to a rate and to a cap on events sent but
 * not yet received by a sink. Two drivers, each on its own event loop, share the load.
 */
final class LoadClient {

  private static final int DRIVERS = 2;

  /** One request: whose key, which path, the body, and how many events it carries. */
  record Request(String apiKey, String path, Buffer body, int events) {
  }

  /**
   * What a run sends and how hard.
   *
   * @param requests builds the next request from its send time (for the payload's jobId)
   * @param inFlight requests in flight at most
   * @param eventsPerSecond events sent per second at most; 0 for as fast as answered
   * @param outstanding deliveries sent but not yet received by {@code sink}; 0 for no cap
   * @param fanOut deliveries of each event
   */
  record Plan(LongFunction<Request> requests, int inFlight, int eventsPerSecond,
      int outstanding, int fanOut, BenchReceiver.Sink sink) {
  }

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final String host = "127.0.0.1";
  private final int port;

  LoadClient(Vertx vertx, int port, int connections) {
    this.vertx = vertx;
    this.port = port;
    this.client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(60)
            .setIdleTimeout(60))
        .with(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1))
        .build();
  }

  /** One JSON call for the setup of a scenario: the answer's status and body. */
  Future<JsonObject> call(HttpMethod method, String path, String token, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(host)
        .setPort(port).setURI(path).putHeader("Authorization", "Bearer " + token)
        .putHeader("Content-Type", "application/json");
    return client.request(options)
        .compose(request -> body == null ? request.send() : request.send(body.toBuffer()))
        .compose(response -> response.body().map(answer -> {
          if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered "
                + response.statusCode() + ": " + answer);
          }
          return answer.length() == 0 ? new JsonObject() : answer.toJsonObject();
        }));
  }

  /** Starts a run; its window opens and closes on demand, it stops with {@link Run#stop}. */
  Run start(Plan plan) {
    Run run = new Run(plan);
    for (int i = 0; i < DRIVERS; i++) {
      Driver driver = new Driver(run, vertx.getOrCreateContext(), i);
      run.drivers.add(driver);
      driver.context.runOnContext(v -> driver.begin());
    }
    return run;
  }

  void close() {
    client.close();
  }

  /** A run's counters; acknowledged events and their latency count while the window is open. */
  final class Run {
    final Plan plan;
    final List<Driver> drivers = new ArrayList<>();
    final AtomicLong sentEvents = new AtomicLong();
    final AtomicLong ackedEvents = new AtomicLong();
    final AtomicLong windowEvents = new AtomicLong();
    final AtomicLong windowRequests = new AtomicLong();
    final AtomicLong failedRequests = new AtomicLong();
    final AtomicLong refusedItems = new AtomicLong();
    final AtomicReference<String> firstFailure = new AtomicReference<>();
    final Samples latency = new Samples();
    private volatile boolean running = true;
    private long windowStart;
    private long windowEnd;

    Run(Plan plan) {
      this.plan = plan;
    }

    /** Counts from now: what the warm-up counted (the same way, see {@link Samples}) goes. */
    void openWindow() {
      windowStart = System.nanoTime();
      windowEvents.set(0);
      windowRequests.set(0);
      latency.open();
    }

    void closeWindow() {
      latency.close();
      windowEnd = System.nanoTime();
    }

    double windowSeconds() {
      return (windowEnd - windowStart) / 1e9;
    }

    /** Events acknowledged per second in the window. */
    double eventsPerSecond() {
      return windowEvents.get() / windowSeconds();
    }

    /** Stops sending and waits up to 30 s for the answers of the requests in flight. */
    void stop() {
      running = false;
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (inFlight() > 0 && System.nanoTime() < deadline) {
        Pause.millis(20);
      }
    }

    private int inFlight() {
      int sum = 0;
      for (Driver driver : drivers) {
        sum += driver.inFlight;
      }
      return sum;
    }

    void failed(String why) {
      failedRequests.incrementAndGet();
      firstFailure.compareAndSet(null, why);
    }
  }

  /** One event loop's share of a run: in flight, rate and cap divided by the drivers. */
  private final class Driver {
    final Run run;
    final Context context;
    final int maxInFlight;
    final double eventsPerNano;
    volatile int inFlight;
    long sent;
    long begun;

    Driver(Run run, Context context, int index) {
      this.run = run;
      this.context = context;
      int share = run.plan.inFlight() / DRIVERS
          + (index < run.plan.inFlight() % DRIVERS ? 1 : 0);
      this.maxInFlight = Math.max(1, share);
      this.eventsPerNano = run.plan.eventsPerSecond() / 1e9 / DRIVERS;
    }

    void begin() {
      begun = System.nanoTime();
      vertx.setPeriodic(1, id -> {
        if (!run.running) {
          vertx.cancelTimer(id);
          return;
        }
        topUp();
      });
      topUp();
    }

    private void topUp() {
      while (run.running && inFlight < maxInFlight && mayStart()) {
        send(run.plan.requests().apply(System.nanoTime()));
      }
    }

    private boolean mayStart() {
      if (eventsPerNano > 0 && sent >= (System.nanoTime() - begun) * eventsPerNano) {
        return false;
      }
      Plan plan = run.plan;
      return plan.outstanding() <= 0
          || run.sentEvents.get() * plan.fanOut() - plan.sink().received()
          < plan.outstanding();
    }

    private void send(Request request) {
      inFlight++;
      sent += request.events();
      run.sentEvents.addAndGet(request.events());
      long started = System.nanoTime();
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host)
          .setPort(port).setURI(request.path())
          .putHeader("Authorization", "Bearer " + request.apiKey())
          .putHeader("Content-Type", "application/json");
      client.request(options)
          .compose(http -> http.send(request.body()))
          .compose(response -> response.body().map(body -> {
            answered(request, response.statusCode(), body, started);
            return null;
          }))
          .onFailure(error -> run.failed(error.toString()))
          .onComplete(done -> {
            inFlight--;
            topUp();
          });
    }

    private void answered(Request request, int status, Buffer body, long started) {
      if (status != 202) {
        run.failed("HTTP " + status + ": " + body);
        return;
      }
      if (request.events() > 1 && body.toString().contains("\"error\"")) {
        run.refusedItems.incrementAndGet();
        run.firstFailure.compareAndSet(null, "refused item: " + body);
      }
      run.ackedEvents.addAndGet(request.events());
      if (run.latency.recording()) {
        run.windowEvents.addAndGet(request.events());
        run.windowRequests.incrementAndGet();
        run.latency.addNanos(System.nanoTime() - started);
      }
    }
  }
}
