package com.ouvitel.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.DeliveryTraffic;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus scrapes a running gateway with the rules of ops/prometheus/rules.yml
 * loaded, while the gateway makes real deliveries; the test reads Prometheus's HTTP API.
 */
@DisplayName("A real Prometheus scraping a gateway")
class PrometheusScrapeTest {

  private static final String JOB = "ouvitel-webhook-gateway";
  private static final int DELIVERIES_PER_ROUND = 12;

  @Test
  @DisplayName("finds the target up, evaluates every rule and counts the deliveries made")
  void scrapes_the_gateway_and_evaluates_the_rules() {
    ExternalCommand.requireTool("prometheus");
    String database = TestDatabase.freshDatabase();
    try (TestReceiver receiver = TestReceiver.http();
        TestGateway gateway = DeliveryTraffic.start(database);
        PrometheusServer prometheus = PrometheusServer.start(JOB,
            "127.0.0.1:" + gateway.gateway().managementPort(),
            ExternalCommand.PROJECT.resolve("ops/prometheus/rules.yml"))) {
      DeliveryTraffic traffic = new DeliveryTraffic(database, gateway, receiver);
      awaitValue(prometheus, "up{job=\"" + JOB + "\"}", up -> up == 1);

      traffic.round();
      awaitValue(prometheus, "sum(ouvitel_deliveries_total)",
          total -> total == DELIVERIES_PER_ROUND);
      traffic.round();
      awaitValue(prometheus, "sum(ouvitel_deliveries_total)",
          total -> total == 2 * DELIVERIES_PER_ROUND);

      assertEquals(traffic.deliveriesByOutcome(),
          byEventAnd(prometheus, "ouvitel_deliveries_total", "outcome"));
      awaitValue(prometheus, "sum(ouvitel_delivery_attempts_total)", total -> total
          == traffic.attemptsByResult().values().stream().mapToLong(Long::longValue).sum());
      assertEquals(traffic.attemptsByResult(),
          byEventAnd(prometheus, "ouvitel_delivery_attempts_total", "result"));
      assertEquals(5.0 * 2, prometheus.value("sum(ouvitel_events_received_total)"));

      assertRecordingRulesEvaluate(prometheus);
      assertEveryRuleHealthy(prometheus);
      assertTrue(prometheus.query("ALERTS{alertname=\"OuvitelGatewayDown\"}").isEmpty(),
          "the gateway-down alert stays quiet while the gateway is scraped");
    }
  }

  private static void assertRecordingRulesEvaluate(PrometheusServer prometheus) {
    double succeeded = awaitValue(prometheus,
        "sum(event_outcome:ouvitel_deliveries:rate5m{outcome=\"succeeded\"})",
        rate -> rate > 0);
    assertTrue(succeeded > 0, "succeeded deliveries per second " + succeeded);
    double ratio = awaitValue(prometheus,
        "event:ouvitel_delivery_attempts_success:ratio_rate5m{event=\"print.success\"}",
        value -> value > 0 && value < 1);
    assertTrue(ratio > 0 && ratio < 1, "print.success attempts succeed in part: " + ratio);
    assertTrue(awaitValue(prometheus, "sum(event:ouvitel_events_received:rate5m)",
        rate -> rate > 0) > 0);
    double p99 = awaitValue(prometheus,
        "job:ouvitel_delivery_attempt_duration_seconds:p99_rate5m", value -> value > 0);
    assertTrue(p99 > 0 && p99 <= 5, "p99 attempt duration " + p99);
  }

  private static void assertEveryRuleHealthy(PrometheusServer prometheus) {
    JsonArray groups = prometheus.get("/api/v1/rules").getJsonObject("data")
        .getJsonArray("groups");
    assertFalse(groups.isEmpty(), "rules loaded");
    int rules = 0;
    for (Object group : groups) {
      for (Object rule : ((JsonObject) group).getJsonArray("rules")) {
        JsonObject one = (JsonObject) rule;
        assertEquals("ok", one.getString("health"), one.encode());
        rules++;
      }
    }
    assertTrue(rules >= 10, rules + " rules");
  }

  /** A counter summed by "event/{label}" as Prometheus has it. */
  private static Map<String, Long> byEventAnd(PrometheusServer prometheus, String counter,
      String label) {
    Map<String, Long> counts = new TreeMap<>();
    for (Object item : prometheus.query("sum by (event, " + label + ") (" + counter + ")")) {
      JsonObject sample = (JsonObject) item;
      JsonObject metric = sample.getJsonObject("metric");
      long value = Math.round(Double.parseDouble(sample.getJsonArray("value").getString(1)));
      if (value > 0) {
        counts.put(metric.getString("event") + "/" + metric.getString(label), value);
      }
    }
    return counts;
  }

  /** Polls a one-sample query until its value passes the test (60 s at most). */
  private static double awaitValue(PrometheusServer prometheus, String promql,
      DoublePredicate condition) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    double value;
    while (true) {
      value = prometheus.value(promql);
      if (condition.test(value)) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(promql + " is still " + value + " after 60 s; prometheus:\n"
            + prometheus.log());
      }
      PrometheusServer.sleep(250);
    }
  }
}
