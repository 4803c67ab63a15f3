package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.FleetLoad;
import com.ouvitel.gateway.support.GatewayProcess;
import com.ouvitel.gateway.support.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Several gateway processes on one PostgreSQL")
class ManyPodsTest extends PodsOnFreshDatabase {


  @Test
  @DisplayName("three pods deliver thousands of events, every one once")
  void three_pods_deliver_every_event_once() {
    Pods pods = pods(Map.of("lease_duration", "10s"));
    List<GatewayProcess> three = pods.start("many-a", "many-b", "many-c");
    Account account = subscribedAccount(three.get(0), "/many");

    FleetLoad fleet = new FleetLoad(account.apiKey(), "many", 25, 2000,
        Pods.targets(three)).start(6, Duration.ofSeconds(60)).await(Duration.ofSeconds(90));
    assertEquals(2000, fleet.acknowledged().size(), "every event acknowledged");
    assertTrue(fleet.refusedItems().isEmpty(), fleet.refusedItems().toString());

    Received received = new Received(receiver, "/many");
    Set<String> missing = received.awaitJobs(fleet.acknowledged(), Duration.ofSeconds(60));
    Api.sleep(1000);
    int duplicates = received.duplicates().size();
    System.out.printf("three pods: %d events acknowledged (%d / %d / %d per pod), %d "
        + "delivered, %d requests, %d delivered twice%n", fleet.acknowledged().size(),
        fleet.acknowledgedBy("many-a"), fleet.acknowledgedBy("many-b"),
        fleet.acknowledgedBy("many-c"), received.jobs().size(), received.requests(),
        duplicates);
    assertTrue(missing.isEmpty(), missing.size() + " deliveries never arrived");
    assertEquals(0, duplicates, "no delivery twice without a crash");
    assertEquals(2000, received.requests());
  }
}
