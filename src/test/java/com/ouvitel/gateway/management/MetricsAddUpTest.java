package com.ouvitel.gateway.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.delivery.AttemptResult;
import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.DeliveryTraffic;
import com.ouvitel.gateway.support.PrometheusText;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The /metrics of a gateway after real deliveries")
class MetricsAddUpTest {

  private static final Set<String> EVENTS =
      Set.of("print.success", "print.failure", "printer.offline", "printer.online");
  private static final Set<String> OUTCOMES = Set.of("succeeded", "failed", "cancelled");

  private static String database;
  private static TestReceiver receiver;
  private static TestGateway gateway;
  private static DeliveryTraffic traffic;
  private static PrometheusText metrics;

  @BeforeAll
  static void make_two_rounds_of_deliveries() {
    database = TestDatabase.freshDatabase();
    receiver = TestReceiver.http();
    gateway = DeliveryTraffic.start(database);
    traffic = new DeliveryTraffic(database, gateway, receiver);
    traffic.round();
    traffic.round();
    metrics = scrapeOnceOutcomesAreWritten();
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
    TestDatabase.drop(database);
  }

  @Test
  @DisplayName("count each attempt once, by event and result, as PostgreSQL logged it")
  void attempts_add_up() {
    Map<String, Long> expected = traffic.attemptsByResult();

    assertEquals(expected, byKey("ouvitel_delivery_attempts_total", "result"));
    long receiverSaw = receiver.requests().size();
    long httpAttempts = expected.entrySet().stream()
        .filter(entry -> !entry.getKey().endsWith("/connection_error"))
        .mapToLong(Map.Entry::getValue).sum();
    assertEquals(receiverSaw, httpAttempts, "attempts that reached the receiver");
    assertEquals(expected.values().stream().mapToLong(Long::longValue).sum(),
        (long) metrics.sum("ouvitel_delivery_attempt_duration_seconds_count"));
  }

  @Test
  @DisplayName("count deliveries that ended succeeded, failed or cancelled")
  void deliveries_add_up() {
    int rounds = traffic.rounds();
    Map<String, Long> expected = new TreeMap<>(Map.of(
        "print.success/succeeded", 3L * rounds, "print.success/failed", 3L * rounds,
        "print.failure/succeeded", 4L * rounds, "print.failure/cancelled", 2L * rounds));

    assertEquals(expected, traffic.deliveriesByOutcome(), "deliveries in PostgreSQL");
    assertEquals(expected, byKey("ouvitel_deliveries_total", "outcome"));
    assertEquals(7.0 * rounds, metrics.sum("ouvitel_delivery_lag_seconds_count"),
        "one lag per successful delivery");
  }

  @Test
  @DisplayName("count accepted events once, a replayed one not again")
  void events_add_up() {
    int rounds = traffic.rounds();

    assertEquals(3.0 * rounds, metrics.sum("ouvitel_events_received_total",
        Map.of("event", "print.success")));
    assertEquals(2.0 * rounds, metrics.sum("ouvitel_events_received_total",
        Map.of("event", "print.failure")));
    assertEquals(4.0 * rounds, metrics.sum("ouvitel_ingest_request_duration_seconds_count",
        Map.of("route", "single", "status", "2xx")), "single-event requests, replay included");
    assertEquals(1.0 * rounds, metrics.sum("ouvitel_ingest_request_duration_seconds_count",
        Map.of("route", "batch", "status", "2xx")));
  }

  @Test
  @DisplayName("time every ingest request's wait for a group commit, and every commit")
  void ingest_commits_are_timed() {
    double requests = metrics.sum("ouvitel_ingest_request_duration_seconds_count",
        Map.of("status", "2xx"));
    double waits = metrics.sum("ouvitel_ingest_commit_wait_seconds_count");
    double commits = metrics.sum("ouvitel_ingest_commit_duration_seconds_count");

    assertTrue(commits >= 1, "commits timed: " + commits);
    assertTrue(waits >= commits, "each commit takes at least one waiting request");
    assertTrue(waits <= requests, "only accepted requests wait: " + waits + " of " + requests);
    assertEquals(commits, metrics.sum("ouvitel_ingest_commit_events_count"),
        "one timing per group commit");
  }

  @Test
  @DisplayName("report the backlog, circuits, in-flight work, the pool, the JVM and Vert.x")
  void gauges_and_basics_are_present() {
    assertEquals(1.0, metrics.sum("ouvitel_backlog_reporter"), "the only pod reports");
    assertEquals(0.0, awaitPendingGauge(0), "measured every 5 s");
    for (String name : new String[] {"ouvitel_deliveries_oldest_pending_age_seconds",
        "ouvitel_endpoints_circuit_open", "ouvitel_deliveries_in_flight",
        "ouvitel_delivery_attempt_duration_seconds_bucket",
        "ouvitel_delivery_lag_seconds_bucket", "ouvitel_ingest_request_duration_seconds_bucket",
        "jvm_memory_used_bytes", "jvm_gc_max_data_size_bytes", "jvm_threads_live_threads",
        "process_cpu_usage", "vertx_http_server_requests_total",
        "vertx_http_server_response_time_seconds_count", "vertx_http_client_requests_total",
        "vertx_eventbus_processed_total"}) {
      assertTrue(metrics.has(name), name);
    }
    assertTrue(metrics.samples().stream().anyMatch(sample -> sample.name()
        .equals("vertx_pool_in_use") && "sql".equals(sample.labels().get("pool_type"))),
        "PostgreSQL pool use");
    assertTrue(metrics.has("vertx_pool_queue_pending"), "PostgreSQL pool queue");
  }

  @Test
  @DisplayName("label no series with a URL, an id, an API key or a secret")
  void labels_come_from_small_fixed_sets() {
    Set<String> attemptResults = Arrays.stream(AttemptResult.values())
        .map(AttemptResult::label).collect(Collectors.toSet());
    for (PrometheusText.Sample sample : metrics.samples()) {
      for (Map.Entry<String, String> label : sample.labels().entrySet()) {
        String value = label.getValue();
        String where = sample.name() + " " + label.getKey() + "=" + value;
        assertFalse(value.contains("://") || value.contains("127.0.0.1")
            || value.contains("localhost") || value.contains("/"), where);
        assertFalse(value.matches("(?i).*(acct_|wh_|evt_|dlv_|whsec_|fleet-|job_).*"), where);
        for (String secret : traffic.secretsAndIds()) {
          assertFalse(value.contains(secret), where);
        }
        assertFalse(value.contains(TestGateway.ADMIN_TOKEN), where);
      }
      if (sample.name().startsWith("ouvitel_")) {
        assertLabelIn(sample, "event", EVENTS);
        assertLabelIn(sample, "result", attemptResults);
        assertLabelIn(sample, "outcome", OUTCOMES);
        assertLabelIn(sample, "route", Set.of("single", "batch"));
        assertLabelIn(sample, "status", Set.of("2xx", "3xx", "4xx", "5xx"));
      }
    }
  }

  private static void assertLabelIn(PrometheusText.Sample sample, String label,
      Set<String> allowed) {
    String value = sample.labels().get(label);
    assertTrue(value == null || allowed.contains(value), sample.toString());
  }

  private static double awaitPendingGauge(double expected) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    double seen;
    do {
      seen = PrometheusText.scrape(gateway.metricsUrl()).sum("ouvitel_deliveries_pending");
      Api.sleep(200);
    } while (seen != expected && System.nanoTime() < deadline);
    return seen;
  }

  /** Samples of a counter summed by "event/{label}", as whole numbers. */
  private static Map<String, Long> byKey(String name, String label) {
    Map<String, Long> counts = new TreeMap<>();
    for (PrometheusText.Sample sample : metrics.samples()) {
      if (sample.name().equals(name) && sample.value() > 0) {
        counts.merge(sample.labels().get("event") + "/" + sample.labels().get(label),
            Math.round(sample.value()), Long::sum);
      }
    }
    return counts;
  }

  /**
   * An attempt is counted when it ends and written to PostgreSQL a moment later (the
   * attempt of a delivery cancelled meanwhile too): scrape once both agree, or give the
   * last scrape to the assertions after 20 s.
   */
  private static PrometheusText scrapeOnceOutcomesAreWritten() {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      PrometheusText scrape = PrometheusText.scrape(gateway.metricsUrl());
      long counted = Math.round(scrape.sum("ouvitel_delivery_attempts_total"));
      long logged = traffic.attemptsByResult().values().stream().mapToLong(Long::longValue)
          .sum();
      if (counted == logged || System.nanoTime() > deadline) {
        return scrape;
      }
      Api.sleep(100);
    }
  }
}
