package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A gateway restart")
class RestartTest {

  private static final Duration RETRY_DELAY = Duration.ofSeconds(3);

  private final TestReceiver receiver = TestReceiver.http();
  private TestGateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    receiver.close();
  }

  @Test
  @DisplayName("keeps a pending retry, and the next gateway sends it when it is due")
  void pending_retry_survives_a_restart() {
    Map<String, String> settings = Map.of("retry_initial_delay", RETRY_DELAY.toMillis() + "ms");
    gateway = TestGateway.start(settings);
    Account account = gateway.api.createAccount("premium");
    receiver.script("/restart", 500, 200);
    gateway.api.createWebhook(account, receiver.url("/restart"), "print.success");
    JsonObject accepted = gateway.api.sendEvent(account, Api.printSuccess("job_restart"));
    TestReceiver.Request first = receiver.await("/restart", 1, Duration.ofSeconds(15)).get(0);

    gateway.close();
    gateway = TestGateway.start(settings);
    List<TestReceiver.Request> seen = receiver.await("/restart", 2, Duration.ofSeconds(20));

    String deliveryId = first.header("X-Ouvitel-Delivery");
    assertEquals(deliveryId, seen.get(1).header("X-Ouvitel-Delivery"));
    assertEquals("2", seen.get(1).header("X-Ouvitel-Attempt"));
    assertEquals(first.text(), seen.get(1).text(), "the retry sends the same bytes");
    long waited = Duration.between(first.at(), seen.get(1).at()).toMillis();
    assertTrue(waited >= RETRY_DELAY.toMillis() - 50, "not before it is due: " + waited);
    assertTrue(waited < RETRY_DELAY.toMillis() + 5000, "on time after the restart: " + waited);

    JsonObject delivery = gateway.api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("succeeded"), Duration.ofSeconds(10));
    assertEquals(2, delivery.getInteger("attemptCount"));
    assertEquals(accepted.getString("id"), delivery.getString("eventId"));
    Api.sleep(500);
    assertEquals(2, receiver.requests("/restart").size(), "nothing sent twice");
  }
}
