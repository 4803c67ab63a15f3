package com.ouvitel.gateway.durability;

import com.ouvitel.gateway.support.FleetLoad;
import com.ouvitel.gateway.support.GatewayProcess;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The gateway processes of one test, on one database; closing it kills what still runs. */
final class Pods implements AutoCloseable {

  private final String databaseUrl;
  private final Map<String, String> settings;
  private final List<GatewayProcess> all = new ArrayList<>();

  Pods(String databaseUrl, Map<String, String> settings) {
    this.databaseUrl = databaseUrl;
    this.settings = new HashMap<>(settings);
    // On a loaded test machine the receiver can stall for seconds; an open circuit would
    // then park deliveries for its cool-down, which is not what these tests are about.
    this.settings.putIfAbsent("circuit_failure_threshold", "1000000");
  }

  /** Starts pods of those names side by side and waits until all are ready. */
  List<GatewayProcess> start(String... names) {
    List<CompletableFuture<GatewayProcess>> starting = new ArrayList<>();
    for (String name : names) {
      starting.add(CompletableFuture.supplyAsync(() -> start(name, Map.of())));
    }
    List<GatewayProcess> pods = new ArrayList<>();
    starting.forEach(pod -> pods.add(pod.join()));
    return pods;
  }

  /** Starts one pod with settings of its own on top of the test's. */
  GatewayProcess start(String name, Map<String, String> extra) {
    Map<String, String> merged = new HashMap<>(settings);
    merged.putAll(extra);
    GatewayProcess pod = GatewayProcess.start(name, databaseUrl, merged);
    synchronized (all) {
      all.add(pod);
    }
    return pod;
  }

  static List<FleetLoad.Target> targets(List<GatewayProcess> pods) {
    List<FleetLoad.Target> targets = new ArrayList<>();
    for (GatewayProcess pod : pods) {
      targets.add(new FleetLoad.Target(pod.name(), pod.api.base()));
    }
    return targets;
  }

  @Override
  public void close() {
    synchronized (all) {
      all.forEach(GatewayProcess::close);
    }
  }
}
