package com.ouvitel.gateway.management;

import com.ouvitel.gateway.delivery.AttemptResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's own meters. Tags come from small fixed sets only (event type, attempt
 * result, outcome): never a URL, an account, a webhook id or a secret. Counters describe
 * this pod; the backlog gauges describe the shared database, so they are the same on every
 * pod and are read with max(), not sum().
 */
public final class GatewayMetrics {

  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
      Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(12)};

  private final PrometheusMeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong oldestPendingAgeSeconds = new AtomicLong();
  private final AtomicLong circuitsOpen = new AtomicLong();

  public GatewayMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("ouvitel_deliveries_pending", pending, AtomicLong::get)
        .description("Deliveries pending in the database (same on every pod: use max)")
        .register(registry);
    Gauge.builder("ouvitel_deliveries_oldest_pending_age_seconds", oldestPendingAgeSeconds,
            AtomicLong::get)
        .description("Age of the oldest pending delivery (same on every pod: use max)")
        .register(registry);
    Gauge.builder("ouvitel_endpoints_circuit_open", circuitsOpen, AtomicLong::get)
        .description("Endpoints whose circuit this pod holds open")
        .register(registry);
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

  public void backlog(long pendingDeliveries, long oldestAgeSeconds) {
    pending.set(pendingDeliveries);
    oldestPendingAgeSeconds.set(oldestAgeSeconds);
  }

  public void circuitsOpen(long endpoints) {
    circuitsOpen.set(endpoints);
  }

  public DistributionSummary ingestBatchSize() {
    return DistributionSummary.builder("ouvitel_ingest_commit_events")
        .description("Events written by one group commit")
        .register(registry);
  }

  public void heartbeatsReceived(int printers) {
    counter("ouvitel_printer_heartbeats_received").increment(printers);
  }

  /** Printer transitions the gateway raised itself (printer.offline, printer.online). */
  public void printerTransitions(String event, int count) {
    counter("ouvitel_printer_transitions_raised", "event", event).increment(count);
  }

  public DistributionSummary heartbeatWriteSize() {
    return DistributionSummary.builder("ouvitel_printer_heartbeat_write_printers")
        .description("Printers written by one heartbeat group commit")
        .register(registry);
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

  private Timer timer(String name, String description) {
    return timers.computeIfAbsent(name, k -> Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry));
  }
}
