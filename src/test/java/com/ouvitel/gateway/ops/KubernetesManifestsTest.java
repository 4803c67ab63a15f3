package com.ouvitel.gateway.ops;

import static com.ouvitel.gateway.ops.RenderedManifests.at;
import static com.ouvitel.gateway.ops.RenderedManifests.element;
import static com.ouvitel.gateway.ops.RenderedManifests.list;
import static com.ouvitel.gateway.ops.RenderedManifests.map;
import static com.ouvitel.gateway.ops.RenderedManifests.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders k8s/ with kustomize (through ops/render-k8s.sh, as an operator would) and
 * checks what the gateway relies on in its Kubernetes objects.
 */
@DisplayName("Kubernetes manifests")
class KubernetesManifestsTest {

  private static final String APP = "ouvitel-webhook-gateway";
  private static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(20);

  private static RenderedManifests manifests;

  /** Per test, so that each one is reported skipped (or failed in CI) without kubectl. */
  @BeforeEach
  void render_once() {
    ExternalCommand.requireTool(System.getenv().getOrDefault("KUBECTL", "kubectl"));
    if (manifests == null) {
      manifests = RenderedManifests.render(ExternalCommand.PROJECT);
    }
  }

  @Test
  @DisplayName("render the gateway's objects and no Secret")
  void render_the_expected_objects() {
    Set<String> kinds = manifests.all().stream()
        .map(object -> (String) object.get("kind"))
        .collect(Collectors.toSet());

    assertEquals(Set.of("Deployment", "Service", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "ConfigMap", "ServiceMonitor", "PrometheusRule"), kinds);
    assertEquals(2, manifests.ofKind("ConfigMap").size(), "conf and env ConfigMaps");
  }

  @Test
  @DisplayName("run two replicas exposing http 8080 and management 9090")
  void deployment_exposes_both_ports() {
    Map<String, Object> deployment = manifests.single("Deployment");

    assertEquals(APP, name(deployment));
    assertEquals(2, at(deployment, "spec", "replicas"));
    assertEquals(8080, containerPort("http"));
    assertEquals(9090, containerPort("management"));
  }

  @Test
  @DisplayName("probe liveness and start-up on /health/live, readiness on /health/ready")
  void probes_use_the_management_health_paths() {
    Map<String, Object> container = container();

    assertProbe(container, "startupProbe", "/health/live");
    assertProbe(container, "livenessProbe", "/health/live");
    assertProbe(container, "readinessProbe", "/health/ready");
  }

  @Test
  @DisplayName("request 2 CPUs and about 1 GiB, with limits not below the requests")
  void resources_fit_a_two_cpu_pod() {
    Map<String, Object> resources = map(container().get("resources"));
    Map<String, Object> requests = map(resources.get("requests"));
    Map<String, Object> limits = map(resources.get("limits"));

    assertEquals(2000, cpuMillis(requests.get("cpu")));
    long memory = memoryBytes(requests.get("memory"));
    assertTrue(memory >= 768L << 20 && memory <= 2L << 30, "memory request " + memory);
    assertTrue(cpuMillis(limits.get("cpu")) >= cpuMillis(requests.get("cpu")));
    assertTrue(memoryBytes(limits.get("memory")) >= memory);
  }

  @Test
  @DisplayName("give preStop and the drain time to finish within the grace period")
  void grace_period_covers_pre_stop_and_drain() {
    List<Object> preStop = list(at(container(), "lifecycle", "preStop", "exec", "command"));
    assertEquals("sleep", preStop.get(0));
    Duration sleep = Duration.ofSeconds(Long.parseLong(String.valueOf(preStop.get(1))));

    Object configured = envConfigMapData().get("GATEWAY_DRAIN_TIMEOUT");
    Duration drain = configured == null
        ? DEFAULT_DRAIN_TIMEOUT
        : parseDuration(String.valueOf(configured));

    int grace = (Integer) at(podSpec(), "terminationGracePeriodSeconds");
    assertTrue(grace > sleep.plus(drain).toSeconds(),
        "terminationGracePeriodSeconds " + grace + " must exceed preStop " + sleep
            + " + drain " + drain);
  }

  @Test
  @DisplayName("run as user 10001 on a read-only root filesystem with no capabilities")
  void container_is_locked_down() {
    Map<String, Object> pod = map(podSpec().get("securityContext"));
    Map<String, Object> container = map(container().get("securityContext"));

    assertEquals(true, pod.get("runAsNonRoot"));
    assertEquals(10001, pod.get("runAsUser"));
    assertEquals(true, container.get("runAsNonRoot"));
    assertEquals(10001, container.get("runAsUser"));
    assertEquals(true, container.get("readOnlyRootFilesystem"));
    assertEquals(false, container.get("allowPrivilegeEscalation"));
    assertEquals(List.of("ALL"), at(container, "capabilities", "drop"));

    String tmpVolume = (String) element(container().get("volumeMounts"), "mountPath", "/tmp")
        .get("name");
    assertTrue(element(podSpec().get("volumes"), "name", tmpVolume).containsKey("emptyDir"),
        "/tmp is an emptyDir");
  }

  @Test
  @DisplayName("mount conf/gateway.yaml from a generated ConfigMap at /app/conf")
  void configuration_file_comes_from_conf() throws IOException {
    Map<String, Object> confMap = manifests.configMapGeneratedFrom(APP + "-conf");
    String expected = Files.readString(ExternalCommand.PROJECT.resolve("conf/gateway.yaml"));
    assertEquals(expected, at(confMap, "data", "gateway.yaml"));

    Map<String, Object> volume = podVolumeOfConfigMap(name(confMap));
    Map<String, Object> mount =
        element(container().get("volumeMounts"), "name", volume.get("name"));
    assertEquals("/app/conf", mount.get("mountPath"));
  }

  @Test
  @DisplayName("take environment from the env ConfigMap and the documented Secret")
  void environment_comes_from_config_map_and_secret() throws IOException {
    List<Object> envFrom = list(container().get("envFrom"));
    String envMapName = name(manifests.configMapGeneratedFrom(APP + "-env"));
    assertTrue(envFrom.stream().anyMatch(source ->
        map(source).get("configMapRef") instanceof Map<?, ?> ref
            && envMapName.equals(ref.get("name"))),
        "envFrom names the generated ConfigMap " + envMapName);

    Map<String, Object> example = new Yaml().load(
        Files.readString(ExternalCommand.PROJECT.resolve("k8s/secret.example.yaml")));
    assertEquals("Secret", example.get("kind"));
    assertEquals(Set.of("DATABASE_URL", "GATEWAY_ADMIN_TOKEN"),
        map(example.get("stringData")).keySet());
    String secretName = name(example);
    assertTrue(envFrom.stream().anyMatch(source ->
        map(source).get("secretRef") instanceof Map<?, ?> ref
            && secretName.equals(ref.get("name"))),
        "envFrom names the Secret " + secretName);
  }

  @Test
  @DisplayName("serve http and management through the Service to the gateway pods")
  void service_exposes_both_ports() {
    Map<String, Object> service = manifests.single("Service");

    Map<String, Object> http = element(at(service, "spec", "ports"), "name", "http");
    assertEquals(8080, http.get("port"));
    assertEquals("http", http.get("targetPort"));
    Map<String, Object> management =
        element(at(service, "spec", "ports"), "name", "management");
    assertEquals(9090, management.get("port"));
    assertEquals("management", management.get("targetPort"));
    assertSelectsPods(map(at(service, "spec", "selector")));
  }

  @Test
  @DisplayName("autoscale the Deployment on CPU from at least two replicas")
  void autoscaler_targets_cpu() {
    Map<String, Object> autoscaler = manifests.single("HorizontalPodAutoscaler");

    assertEquals("autoscaling/v2", autoscaler.get("apiVersion"));
    assertEquals("Deployment", at(autoscaler, "spec", "scaleTargetRef", "kind"));
    assertEquals(APP, at(autoscaler, "spec", "scaleTargetRef", "name"));
    assertTrue((Integer) at(autoscaler, "spec", "minReplicas") >= 2);
    Map<String, Object> cpu = map(element(at(autoscaler, "spec", "metrics"), "type",
        "Resource").get("resource"));
    assertEquals("cpu", cpu.get("name"));
    assertEquals("Utilization", at(cpu, "target", "type"));
    assertTrue((Integer) at(cpu, "target", "averageUtilization") > 0);
  }

  @Test
  @DisplayName("keep at least one pod through voluntary disruptions")
  void disruption_budget_keeps_one_pod() {
    Map<String, Object> budget = manifests.single("PodDisruptionBudget");

    assertEquals("policy/v1", budget.get("apiVersion"));
    assertEquals(1, at(budget, "spec", "minAvailable"));
    assertSelectsPods(map(at(budget, "spec", "selector", "matchLabels")));
  }

  @Test
  @DisplayName("scrape /metrics on the management port of the gateway's Service")
  void service_monitor_scrapes_management_metrics() {
    Map<String, Object> monitor = manifests.single("ServiceMonitor");
    Map<String, Object> service = manifests.single("Service");

    Map<String, Object> endpoint = map(list(at(monitor, "spec", "endpoints")).get(0));
    assertEquals("management", endpoint.get("port"));
    assertEquals("/metrics", endpoint.get("path"));
    Map<String, Object> serviceLabels = map(at(service, "metadata", "labels"));
    map(at(monitor, "spec", "selector", "matchLabels")).forEach((key, value) ->
        assertEquals(value, serviceLabels.get(key), "ServiceMonitor selects label " + key));
  }

  @Test
  @DisplayName("carry the alerting rules in a PrometheusRule")
  void prometheus_rule_is_rendered() {
    Map<String, Object> rule = manifests.single("PrometheusRule");

    List<String> alerts = list(at(rule, "spec", "groups")).stream()
        .flatMap(group -> list(map(group).get("rules")).stream())
        .map(item -> (String) map(item).get("alert"))
        .filter(alert -> alert != null)
        .toList();
    assertTrue(alerts.containsAll(List.of("OuvitelDeliverySuccessRateLow",
        "OuvitelDeliveryBacklogOld", "OuvitelEndpointCircuitsOpen", "OuvitelGatewayDown")),
        "alerts " + alerts);
  }

  @Test
  @DisplayName("add the delivery backlog as an External metric when the patch is enabled")
  void backlog_autoscaling_patch_renders(@TempDir Path copy) throws IOException {
    copyTree(ExternalCommand.PROJECT.resolve("k8s"), copy.resolve("k8s"));
    copyTree(ExternalCommand.PROJECT.resolve("ops"), copy.resolve("ops"));
    Files.createDirectories(copy.resolve("conf"));
    Files.copy(ExternalCommand.PROJECT.resolve("conf/gateway.yaml"),
        copy.resolve("conf/gateway.yaml"));
    enableBacklogPatch(copy.resolve("k8s/kustomization.yaml"));

    Map<String, Object> autoscaler =
        RenderedManifests.render(copy).single("HorizontalPodAutoscaler");

    Map<String, Object> external = map(element(at(autoscaler, "spec", "metrics"), "type",
        "External").get("external"));
    assertEquals("ouvitel_deliveries_pending", at(external, "metric", "name"));
    assertEquals("AverageValue", at(external, "target", "type"));
    assertFalse(element(at(autoscaler, "spec", "metrics"), "type", "Resource").isEmpty(),
        "the CPU metric stays");
  }

  @Test
  @DisplayName("use an image that runs the fat jar from /app as the pod's user")
  void image_matches_the_pod() throws IOException {
    String dockerfile = Files.readString(ExternalCommand.PROJECT.resolve("Dockerfile"));

    assertTrue(dockerfile.contains("\nWORKDIR /app\n"), "WORKDIR /app");
    assertTrue(dockerfile.contains("\nCOPY conf/ /app/conf/\n"), "conf copied to /app/conf");
    assertTrue(dockerfile.contains("\nUSER 10001:10001\n"), "USER 10001");
    assertTrue(dockerfile.contains("\"-jar\", \"/app/webhook-gateway.jar\"]"),
        "ENTRYPOINT runs java -jar /app/webhook-gateway.jar");
  }

  private static int containerPort(String name) {
    return (Integer) element(container().get("ports"), "name", name).get("containerPort");
  }

  private static void assertProbe(Map<String, Object> container, String probe, String path) {
    Map<String, Object> httpGet = map(at(container, probe, "httpGet"));
    assertEquals(path, httpGet.get("path"), probe);
    Object port = httpGet.get("port");
    assertTrue(port.equals("management") || port.equals(9090), probe + " port " + port);
  }

  private static void assertSelectsPods(Map<String, Object> selector) {
    Map<String, Object> podLabels =
        map(at(manifests.single("Deployment"), "spec", "template", "metadata", "labels"));
    assertFalse(selector.isEmpty(), "empty selector");
    selector.forEach((key, value) ->
        assertEquals(value, podLabels.get(key), "selector label " + key));
  }

  private static Map<String, Object> podSpec() {
    return map(at(manifests.single("Deployment"), "spec", "template", "spec"));
  }

  private static Map<String, Object> container() {
    return map(list(podSpec().get("containers")).get(0));
  }

  private static Map<String, Object> envConfigMapData() {
    return map(at(manifests.configMapGeneratedFrom(APP + "-env"), "data"));
  }

  private static Map<String, Object> podVolumeOfConfigMap(String configMapName) {
    for (Object volume : list(podSpec().get("volumes"))) {
      Object configMap = map(volume).get("configMap");
      if (configMap != null && configMapName.equals(map(configMap).get("name"))) {
        return map(volume);
      }
    }
    throw new AssertionError("no volume mounts ConfigMap " + configMapName);
  }

  /** Removes the '#' before the commented-out patchesJson6902 block. */
  private static void enableBacklogPatch(Path kustomization) throws IOException {
    String text = Files.readString(kustomization);
    Matcher block = Pattern.compile("(?m)^#patchesJson6902:\\n(#  .*\\n)+").matcher(text);
    assertTrue(block.find(), "k8s/kustomization.yaml has the commented patchesJson6902 block");
    String enabled = block.group().replaceAll("(?m)^#", "");
    Files.writeString(kustomization,
        text.substring(0, block.start()) + enabled + text.substring(block.end()));
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path source : paths.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** Durations as the gateway writes them: 250ms, 20s, 60m, 2h. */
  static Duration parseDuration(String text) {
    Matcher matcher = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text.trim());
    assertTrue(matcher.matches(), "not a duration: " + text);
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  /** Kubernetes CPU quantity ("2", "1500m") in millicores. */
  static long cpuMillis(Object quantity) {
    String text = String.valueOf(quantity);
    return text.endsWith("m")
        ? Long.parseLong(text.substring(0, text.length() - 1))
        : Math.round(Double.parseDouble(text) * 1000);
  }

  /** Kubernetes memory quantity with a binary suffix ("1Gi", "768Mi") in bytes. */
  static long memoryBytes(Object quantity) {
    Matcher matcher = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(String.valueOf(quantity));
    assertTrue(matcher.matches(), "unsupported memory quantity " + quantity);
    long amount = Long.parseLong(matcher.group(1));
    String unit = matcher.group(2) == null ? "" : matcher.group(2);
    return switch (unit) {
      case "Ki" -> amount << 10;
      case "Mi" -> amount << 20;
      case "Gi" -> amount << 30;
      default -> amount;
    };
  }
}
