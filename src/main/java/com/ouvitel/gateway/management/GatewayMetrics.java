package com.ouvitel.gateway.management;

import com.ouvitel.gateway.delivery.AttemptResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * The gateway's own meters. Tags come from small fixed sets only (event type, attempt
 * result, outcome, ingest route, status class): never a URL, an account, a webhook id or a
 * secret. Counters and the in-flight gauge describe this pod and are summed over pods. The
 * backlog gauges describe the shared database: one pod at a time (the backlog reporter, see
 * {@code BacklogReporter}) reports them and every other pod reports 0, so that sum() and
 * max() over pods both give the database's figure.
 */
public final class GatewayMetrics {

  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
      Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(12)};

  /** Vert.x names an HTTP client pool after its endpoint, host:port. */
  private static final Pattern ENDPOINT_POOL = Pattern.compile(".*:[0-9]+");

  private final PrometheusMeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final AtomicLong pending = new AtomicLong();
  // Met on every ingest request or commit: built once, not looked up each time.
  private final Timer ingestCommitDuration;
  private final Timer ingestCommitWait;
  private final DistributionSummary ingestBatchSize;
  private final DistributionSummary heartbeatWriteSize;
  private final AtomicLong oldestPendingAgeSeconds = new AtomicLong();
  private final AtomicLong circuitsOpen = new AtomicLong();
  private final AtomicLong backlogReporter = new AtomicLong();

  public GatewayMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(MeterFilter.replaceTagValues("pool_name",
        name -> ENDPOINT_POOL.matcher(name).matches() ? "webhook_endpoints" : name));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("ouvitel_deliveries_pending", pending, AtomicLong::get)
        .description("Deliveries pending in the database; 0 except on the backlog reporter")
        .register(registry);
    Gauge.builder("ouvitel_deliveries_oldest_pending_age_seconds", oldestPendingAgeSeconds,
            AtomicLong::get)
        .description("How overdue the most overdue pending delivery is; 0 except on the "
            + "backlog reporter")
        .register(registry);
    Gauge.builder("ouvitel_backlog_reporter", backlogReporter, AtomicLong::get)
        .description("1 on the one pod that reports the database's backlog, else 0")
        .register(registry);
    Gauge.builder("ouvitel_endpoints_circuit_open", circuitsOpen, AtomicLong::get)
        .description("Endpoints whose circuit this pod holds open")
        .register(registry);
    ingestCommitDuration = timer("ouvitel_ingest_commit_duration",
        "One ingest group commit, sent to committed");
    ingestCommitWait = timer("ouvitel_ingest_commit_wait",
        "Ingest request waiting for its group commit");
    ingestBatchSize = DistributionSummary.builder("ouvitel_ingest_commit_events")
        .description("Events written by one group commit")
        .register(registry);
    heartbeatWriteSize = DistributionSummary.builder("ouvitel_printer_heartbeat_write_printers")
        .description("Printers written by one heartbeat group commit")
        .register(registry);
  }

  /**
   * A Vert.x whose own meters (HTTP server and client, SQL pool, event bus) land in this
   * registry, labelled only with method, status code, pool type and name, and bus side. An
   * HTTP client pool is named after its endpoint's host and port: those names all become
   * {@code webhook_endpoints}, so that the pools of every endpoint add up in one series.
   * Without {@code vertxMeters} (setting vertx_metrics) only the gateway's own meters remain.
   */
  public Vertx createVertx(boolean vertxMeters) {
    MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(vertxMeters)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
            Label.POOL_NAME, Label.EB_SIDE));
    return Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(options))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  public void eventReceived(String event) {
    counter("ouvitel_events_received", "event", event).increment();
  }

  public void attempt(String event, AttemptResult result, long durationMs) {
    counter("ouvitel_delivery_attempts", "event", event, "result", result.label())
        .increment();
    timer("ouvitel_delivery_attempt_duration", "Time of one delivery attempt")
        .record(durationMs, TimeUnit.MILLISECONDS);
  }

  /** A delivery ended: succeeded, failed or cancelled. */
  public void deliveryEnded(String event, String outcome) {
    counter("ouvitel_deliveries", "event", event, "outcome", outcome).increment();
  }

  /** Time from an event's acceptance to its successful delivery. */
  public void deliveryLag(Duration lag) {
    timer("ouvitel_delivery_lag", "Event accepted to delivered").record(lag);
  }

  /** The database's backlog, as measured by this pod while it is the backlog reporter. */
  public void backlog(long pendingDeliveries, long oldestAgeSeconds) {
    backlogReporter.set(1);
    pending.set(pendingDeliveries);
    oldestPendingAgeSeconds.set(oldestAgeSeconds);
  }

  /** Another pod reports the backlog (or none can now): this pod's gauges say 0. */
  public void notBacklogReporter() {
    backlogReporter.set(0);
    pending.set(0);
    oldestPendingAgeSeconds.set(0);
  }

  /**
   * Deliveries this pod holds in flight or queued for their endpoint, read at scrape. The
   * gauge holds its supplier strongly: callers pass a method reference that nothing else
   * keeps, and a weakly held one read NaN after the first garbage collection.
   */
  public void inFlight(IntSupplier deliveries) {
    Gauge.builder("ouvitel_deliveries_in_flight", deliveries, IntSupplier::getAsInt)
        .description("Deliveries this pod is attempting or holds queued for an endpoint")
        .strongReference(true)
        .register(registry);
  }

  /** Counts the cancelled deliveries of a statement that returns their {@code event}. */
  public void deliveriesCancelled(RowSet<Row> cancelled) {
    for (Row row : cancelled) {
      deliveryEnded(row.getString("event"), "cancelled");
    }
  }

  /**
   * A route handler that times the ingest requests of one route (single or batch) until
   * their answer is sent, tagged with the route and the status class (2xx, 4xx, 5xx).
   */
  public Handler<RoutingContext> ingestRequests(String route) {
    return ctx -> {
      long started = System.nanoTime();
      ctx.addEndHandler(done -> ingestTimer(route,
          ctx.response().getStatusCode() / 100 + "xx")
          .record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
      ctx.next();
    };
  }

  public void circuitsOpen(long endpoints) {
    circuitsOpen.set(endpoints);
  }

  /** One ingest group commit, from its first statement to PostgreSQL's answer. */
  public void ingestCommit(long nanos) {
    ingestCommitDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** How long an ingest request waited for a group commit to take it. */
  public void ingestCommitWait(long nanos) {
    ingestCommitWait.record(nanos, TimeUnit.NANOSECONDS);
  }

  public DistributionSummary ingestBatchSize() {
    return ingestBatchSize;
  }

  public void heartbeatsReceived(int printers) {
    counter("ouvitel_printer_heartbeats_received").increment(printers);
  }

  /** Printer transitions the gateway raised itself (printer.offline, printer.online). */
  public void printerTransitions(String event, int count) {
    counter("ouvitel_printer_transitions_raised", "event", event).increment(count);
  }

  public DistributionSummary heartbeatWriteSize() {
    return heartbeatWriteSize;
  }

  private Counter counter(String name, String... tags) {
    String key = name + String.join("\u0000", tags);
    Counter counter = counters.get(key);
    if (counter == null) {
      counter = counters.computeIfAbsent(key, k -> Counter.builder(name).tags(tags)
          .register(registry));
    }
    return counter;
  }

  private Timer ingestTimer(String route, String status) {
    return timers.computeIfAbsent("ouvitel_ingest_request_duration" + route + status,
        k -> Timer.builder("ouvitel_ingest_request_duration")
            .description("Ingest requests from arrival to answer; _count is their rate")
            .tags("route", route, "status", status)
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry));
  }

  private Timer timer(String name, String description) {
    return timers.computeIfAbsent(name, k -> Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry));
  }
}
