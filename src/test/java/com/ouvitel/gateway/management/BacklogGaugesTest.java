package com.ouvitel.gateway.management;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.PrometheusText;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The backlog gauges of two pods on one PostgreSQL")
class BacklogGaugesTest {

  private static final int PENDING = 5;

  @Test
  @DisplayName("count the backlog once, on one pod, and move to the other when it stops")
  void one_pod_reports_the_backlog() {
    Map<String, String> settings = Map.of("database_url", TestDatabase.freshDatabase(),
        "retry_initial_delay", "1h");
    try (TestReceiver receiver = TestReceiver.http().script("/down", 500);
        TestGateway first = TestGateway.start(settings);
        TestGateway second = TestGateway.start(settings)) {
      Api.Account account = first.api.createAccount("premium");
      first.api.createWebhook(account, receiver.url("/down"), "all");
      for (int i = 0; i < PENDING; i++) {
        first.api.sendEvent(account, Api.printSuccess("job_" + i));
      }
      receiver.await("/down", PENDING, java.time.Duration.ofSeconds(30));

      Map<String, Double> both = awaitGauges(first, second,
          gauges -> gauges.get("pending sum") == PENDING);
      assertEquals(PENDING, both.get("pending max"), "max over pods " + both);
      assertEquals(1.0, both.get("reporters"), "pods reporting " + both);

      boolean firstReports = PrometheusText.scrape(first.metricsUrl())
          .sum("ouvitel_backlog_reporter") == 1;
      TestGateway remaining = firstReports ? second : first;
      (firstReports ? first : second).close();
      double taken = awaitGauge(remaining, PENDING);
      assertEquals(PENDING, taken, "the remaining pod reports the backlog");
    }
  }

  private static Map<String, Double> awaitGauges(TestGateway first, TestGateway second,
      Predicate<Map<String, Double>> condition) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    Map<String, Double> gauges;
    do {
      Api.sleep(200);
      PrometheusText a = PrometheusText.scrape(first.metricsUrl());
      PrometheusText b = PrometheusText.scrape(second.metricsUrl());
      double pendingA = a.sum("ouvitel_deliveries_pending");
      double pendingB = b.sum("ouvitel_deliveries_pending");
      gauges = Map.of("pending sum", pendingA + pendingB,
          "pending max", Math.max(pendingA, pendingB),
          "reporters", a.sum("ouvitel_backlog_reporter") + b.sum("ouvitel_backlog_reporter"));
    } while (!condition.test(gauges) && System.nanoTime() < deadline);
    return gauges;
  }

  private static double awaitGauge(TestGateway gateway, double expected) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    double seen;
    do {
      Api.sleep(200);
      seen = PrometheusText.scrape(gateway.metricsUrl()).sum("ouvitel_deliveries_pending");
    } while (seen != expected && System.nanoTime() < deadline);
    return seen;
  }
}
