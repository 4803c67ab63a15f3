package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.FleetLoad;
import com.ouvitel.gateway.support.FleetLoad.Answer;
import com.ouvitel.gateway.support.GatewayProcess;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestReceiver.Request;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A pod stopped with SIGTERM")
class PodRestartTest extends PodsOnFreshDatabase {


  @Test
  @DisplayName("under load refuses new events with 503 and Retry-After, fails no request it "
      + "accepted, finishes its attempts and leaves no lease behind")
  void drains_under_load_without_failing_requests() {
    Pods pods = pods(Map.of("lease_duration", "10s", "drain_timeout", "5s"));
    List<GatewayProcess> two = pods.start("drain-a", "drain-b");
    GatewayProcess leaving = two.get(0);
    Account account = subscribedAccount(two.get(1), "/drain");
    receiver.delay("/drain", 250);

    FleetLoad fleet = new FleetLoad(account.apiKey(), "drain", 10, 1000, Pods.targets(two))
        .start(4, Duration.ofSeconds(60));
    awaitAcknowledged(fleet, "drain-a", 200);
    long terminatedAt = fleet.clock();
    leaving.terminate();
    int readiness = awaitNotReady(leaving);
    int exit = leaving.awaitExit(Duration.ofSeconds(20));
    long exitedAfter = fleet.clock() - terminatedAt;
    fleet.retarget(Pods.targets(List.of(two.get(1))));
    fleet.await(Duration.ofSeconds(90));

    Object leases = TestDatabase.queryValue(databaseUrl,
        "SELECT count(*) FROM deliveries WHERE lease_owner LIKE 'drain-a-%'");
    Received received = new Received(receiver, "/drain");
    Set<String> missing = received.awaitJobs(fleet.acknowledged(), Duration.ofSeconds(60));
    List<Answer> fromLeaving = fleet.answers().stream()
        .filter(answer -> answer.pod().equals("drain-a") && answer.atMillis() >= terminatedAt)
        .toList();
    long refused = fromLeaving.stream().filter(answer -> answer.status() == 503).count();
    System.out.printf("SIGTERM: exited %d ms after the signal with code %d; readiness %d; "
        + "%d answers after the signal (%d were 503); %d leases left; %d acknowledged, %d "
        + "missing, %d twice%n", exitedAfter, exit, readiness, fromLeaving.size(), refused,
        leases, fleet.acknowledged().size(), missing.size(), received.duplicates().size());

    assertEquals(503, readiness, "not ready once draining");
    for (Answer answer : fromLeaving) {
      assertTrue(answer.status() == 202 || answer.status() == 503
          || answer.failure() != null && answer.failure().startsWith("refused"),
          "every request was answered 202 or 503, or found the port closed: " + answer);
      assertTrue(answer.status() != 503 || answer.retryAfter(), "503 with Retry-After");
    }
    assertTrue(exitedAfter < 15_000, "exited within the grace period");
    assertEquals(0L, ((Number) leases).longValue(), "no lease left by the stopped pod");
    assertTrue(missing.isEmpty(), missing.size() + " acknowledged events never arrived");
    assertEquals(0, received.duplicates().size(), "a graceful stop delivers nothing twice");
  }

  /** The first readiness answer other than 200 after the signal (-1: the port closed). */
  private static int awaitNotReady(GatewayProcess pod) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int readiness = 200;
    while (readiness == 200 && System.nanoTime() < deadline) {
      readiness = pod.readiness();
    }
    return readiness;
  }

  @Test
  @DisplayName("between two attempts of a delivery still makes the next attempt on time")
  void retry_happens_on_time_after_a_restart() {
    Pods pods = pods(Map.of("retry_initial_delay", "8s"));
    GatewayProcess first = pods.start("retry-a", Map.of());
    Account account = subscribedAccount(first, "/retry");
    receiver.script("/retry", 500, 200);
    first.api.sendEvent(account, Api.printSuccess("job_restart"));
    Request failed = receiver.await("/retry", 1, Duration.ofSeconds(15)).get(0);

    first.terminate();
    first.awaitExit(Duration.ofSeconds(20));
    GatewayProcess second = pods.start("retry-a", Map.of());
    Request retried = receiver.await("/retry", 2, Duration.ofSeconds(30)).get(1);
    long gap = Duration.between(failed.at(), retried.at()).toMillis();
    System.out.printf("restart between retries: second attempt %d ms after the first "
        + "(8000 ms scheduled); pod %s made it%n", gap, second.name());

    assertEquals("2", retried.header("X-Ouvitel-Attempt"));
    assertEquals(failed.header("X-Ouvitel-Delivery"), retried.header("X-Ouvitel-Delivery"));
    assertEquals(failed.text(), retried.text());
    assertTrue(gap >= 7_500 && gap <= 11_000, "attempt 2 came on time: after " + gap + " ms");
  }
}
