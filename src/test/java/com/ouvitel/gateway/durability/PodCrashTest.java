package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.FleetLoad;
import com.ouvitel.gateway.support.GatewayProcess;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestReceiver.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A pod killed with SIGKILL under load")
class PodCrashTest extends PodsOnFreshDatabase {


  @Test
  @DisplayName("loses no acknowledged event: the other pod takes over its expired leases, "
      + "and only attempts in flight arrive twice, with the same id and body")
  void other_pod_delivers_what_the_killed_pod_acknowledged() {
    Pods pods = pods(Map.of("lease_duration", "3s"));
    List<GatewayProcess> two = pods.start("crash-a", "crash-b");
    GatewayProcess victim = two.get(0);
    Account account = subscribedAccount(two.get(1), "/crash");
    receiver.delay("/crash", 40);

    FleetLoad fleet = new FleetLoad(account.apiKey(), "crash", 20, 2500, Pods.targets(two))
        .start(4, Duration.ofSeconds(60));
    awaitAcknowledged(fleet, null, 1000);
    int ackedByVictim = fleet.acknowledgedBy("crash-a");
    victim.kill();
    Instant killedAt = Instant.now();
    fleet.retarget(Pods.targets(List.of(two.get(1))));
    fleet.await(Duration.ofSeconds(90));

    Received received = new Received(receiver, "/crash");
    Set<String> missing = received.awaitJobs(fleet.acknowledged(), Duration.ofSeconds(60));
    Api.sleep(1000);
    Map<String, List<Request>> twice = received.duplicates();
    System.out.printf("kill -9: %d events acknowledged in all, %d of them by the killed pod "
        + "before it died; %d delivered, %d missing; %d deliveries arrived twice; attempts "
        + "logged: %s%n", fleet.acknowledged().size(), ackedByVictim, received.jobs().size(),
        missing.size(), twice.size(), Received.attemptResults(databaseUrl));

    assertTrue(missing.isEmpty(), missing.size() + " acknowledged events never arrived");
    assertTrue(fleet.refusedItems().isEmpty(), fleet.refusedItems().toString());
    twice.forEach((id, copies) -> {
      assertTrue(Received.sameBodies(copies), "every copy of " + id + " has the same body");
      assertTrue(copies.get(0).at().isBefore(killedAt.plusSeconds(2)),
          id + " arrived twice but its first attempt was not in flight at the kill");
    });
  }
}
