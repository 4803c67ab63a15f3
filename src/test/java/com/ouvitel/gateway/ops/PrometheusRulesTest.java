package com.ouvitel.gateway.ops;

import static com.ouvitel.gateway.ops.RenderedManifests.list;
import static com.ouvitel.gateway.ops.RenderedManifests.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks ops/prometheus with promtool (syntax, unit tests, the example scrape
 * configuration) and keeps k8s/prometheusrule.yaml in step with rules.yml.
 */
@DisplayName("Prometheus rules")
class PrometheusRulesTest {

  private static final String RULES = "ops/prometheus/rules.yml";
  private static final String RULES_TEST = "ops/prometheus/rules_test.yml";

  @Test
  @DisplayName("are valid rules (promtool check rules)")
  void rules_are_valid() {
    ExternalCommand.requireTool("promtool");

    ExternalCommand.run("promtool", "check", "rules", RULES).assertSucceeded();
  }

  @Test
  @DisplayName("pass their unit tests (promtool test rules)")
  void unit_tests_pass() {
    ExternalCommand.requireTool("promtool");

    ExternalCommand.Result result =
        ExternalCommand.run("promtool", "test", "rules", RULES_TEST).assertSucceeded();
    assertTrue(result.stdout().contains("SUCCESS"), result.stdout());
  }

  @Test
  @DisplayName("load from the example scrape configuration (promtool check config)")
  void example_configuration_is_valid() {
    ExternalCommand.requireTool("promtool");

    ExternalCommand.run("promtool", "check", "config", "ops/prometheus/prometheus.yml")
        .assertSucceeded();
  }

  @Test
  @DisplayName("have unit tests showing every alert both firing and quiet")
  void every_alert_is_tested_both_ways() throws IOException {
    Set<String> alerts = new TreeSet<>();
    for (Object group : list(load(RULES).get("groups"))) {
      for (Object rule : list(map(group).get("rules"))) {
        Object alert = map(rule).get("alert");
        if (alert != null) {
          alerts.add((String) alert);
        }
      }
    }
    Set<String> firing = new TreeSet<>();
    Set<String> quiet = new TreeSet<>();
    for (Object test : list(load(RULES_TEST).get("tests"))) {
      for (Object check : list(map(test).getOrDefault("alert_rule_test", List.of()))) {
        String alert = (String) map(check).get("alertname");
        boolean fires = !list(map(check).getOrDefault("exp_alerts", List.of())).isEmpty();
        (fires ? firing : quiet).add(alert);
      }
    }

    assertFalse(alerts.isEmpty(), "no alert in " + RULES);
    assertEquals(alerts, firing, "alerts shown firing");
    assertEquals(alerts, quiet, "alerts shown not firing");
  }

  @Test
  @DisplayName("are the groups of the PrometheusRule in k8s/")
  void prometheus_rule_matches_rules_file() throws IOException {
    Map<String, Object> prometheusRule = load("k8s/prometheusrule.yaml");

    assertEquals("PrometheusRule", prometheusRule.get("kind"));
    assertEquals(load(RULES).get("groups"), map(prometheusRule.get("spec")).get("groups"),
        "k8s/prometheusrule.yaml differs from " + RULES
            + "; run ops/generate-prometheusrule.sh");
  }

  private static Map<String, Object> load(String file) throws IOException {
    return map(new Yaml().load(Files.readString(ExternalCommand.PROJECT.resolve(file))));
  }
}
