package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A webhook disabled through one pod stops going out from the others within about a second:
 * each pod reads the webhooks stopped lately from the database every second, and drops the
 * deliveries it holds for them in memory (handed off from its own ingest, or claimed).
 */
@DisplayName("A webhook stopped through another pod")
class StopOnAnotherPodTest {

  private static final int EVENTS = 30;
  private static final long ENDPOINT_MILLIS = 200;

  private TestGateway podA;
  private TestGateway podB;
  private TestReceiver receiver;

  @BeforeEach
  void start() {
    String url = TestDatabase.freshDatabase();
    podA = TestGateway.start(Map.of("database_url", url));
    podB = TestGateway.start(Map.of("database_url", url, "endpoint_max_concurrency", "1"));
    receiver = TestReceiver.http().delay("/slow", ENDPOINT_MILLIS);
  }

  @AfterEach
  void stop() {
    podA.close();
    podB.close();
    receiver.close();
  }

  @Test
  @DisplayName("is no longer sent by the pod that holds its deliveries")
  void the_other_pod_drops_what_it_holds() {
    Account account = podA.api.createAccount("premium");
    String webhookId = webhookThroughPodA(account, "/slow");
    // Accepted by pod B, so pod B holds the deliveries: one in flight, the others queued.
    for (int i = 0; i < EVENTS; i++) {
      podB.api.sendEvent(account, Api.printSuccess("job_on_pod_b_" + i));
    }
    receiver.await("/slow", 1, Duration.ofSeconds(10));

    setEnabledThroughPodA(account, webhookId, false);

    Api.sleep(2500);
    int afterTheRefresh = receiver.requests("/slow").size();
    Api.sleep(2000);
    int later = receiver.requests("/slow").size();
    assertEquals(afterTheRefresh, later, "pod B went on sending after it heard of the stop");
    assertTrue(later < EVENTS, "pod B dropped what it held: " + later + " of " + EVENTS
        + " sent");
  }

  @Test
  @DisplayName("enabled again through that pod, goes out from the other one again")
  void enabled_again_goes_out_again() {
    Account account = podA.api.createAccount("premium");
    String webhookId = webhookThroughPodA(account, "/again");
    podB.api.sendEvent(account, Api.printSuccess("job_before_the_stop"));
    receiver.await("/again", 1, Duration.ofSeconds(10));
    setEnabledThroughPodA(account, webhookId, false);
    Api.sleep(1500);

    setEnabledThroughPodA(account, webhookId, true);
    Api.sleep(4000);
    podB.api.sendEvent(account, Api.printSuccess("job_after_enabling_again"));

    // Held as stopped, pod B would put the delivery back every 5 s for a minute.
    receiver.await("/again", 2, Duration.ofSeconds(4));
  }

  private String webhookThroughPodA(Account account, String path) {
    return podA.api.createWebhook(account, receiver.url(path), "all").getString("id");
  }

  private void setEnabledThroughPodA(Account account, String webhookId, boolean enabled) {
    Answer answer = podA.api.patch("/v1/webhooks/" + webhookId, account.apiKey(),
        new JsonObject().put("enabled", enabled));
    assertEquals(200, answer.status(), answer.text());
  }
}
