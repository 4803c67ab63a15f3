package com.ouvitel.gateway.receivers;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.receivers.PayloadCorpus.Case;
import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.NodeReceiver;
import com.ouvitel.gateway.support.NodeReceiver.Check;
import com.ouvitel.gateway.support.NodeReceiver.Delivery;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A secret rotated while deliveries wait for their retries: every later attempt verifies for
 * a Node receiver, whichever secret it knows for the Standard Webhooks signature, and
 * X-Ouvitel-Signature switches to the new secret at once.
 */
@DisplayName("Rotating a webhook's secret in the middle of retries")
class SecretRotationTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PATH = "/rotation";

  private static NodeReceiver node;
  private static TestGateway gateway;
  private static Api api;

  @BeforeAll
  static void start() {
    node = NodeReceiver.start();
    // Retries three seconds apart leave the rotation time to happen between two attempts.
    gateway = TestGateway.start(Map.of(
        "retry_initial_delay", "3s",
        "retry_multiplier", "1",
        "retry_max_retries", "4"));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    node.close();
  }

  @Test
  @DisplayName("never produces an attempt that a receiver cannot verify")
  void every_attempt_after_rotation_verifies() {
    Account account = api.createAccount("premium");
    JsonObject webhook = api.createWebhook(account, node.url(PATH), "print.success");
    String id = webhook.getString("id");
    String oldSecret = webhook.getString("secret");
    node.configure(PATH, 2, Map.of("old", oldSecret));
    List<Case> cases = PayloadCorpus.cases().subList(0, 3);
    for (int i = 0; i < cases.size(); i++) {
      sendEvent(account, cases.get(i).eventText("before_" + i));
    }
    node.await(PATH, seen -> seen.size() >= cases.size(), WAIT);

    long rotatingMs = System.currentTimeMillis();
    Answer rotation = api.post("/v1/webhooks/" + id + "/rotate-secret", account.apiKey(),
        null);
    assertEquals(200, rotation.status(), rotation.text());
    String newSecret = rotation.json().getString("secret");
    node.configure(PATH, 2, Map.of("old", oldSecret, "new", newSecret));
    long rotatedMs = System.currentTimeMillis();
    sendEvent(account, cases.get(0).eventText("after_0"));

    List<Delivery> seen = node.await(PATH, all -> accepted(all) == cases.size() + 1, WAIT);

    assertNotEquals(oldSecret, newSecret);
    assertSecretShowsOverlap(account, id, newSecret, rotatingMs, rotatedMs);
    List<Executable> checks = new ArrayList<>();
    for (Delivery delivery : seen) {
      if (delivery.receivedAtMs() < rotatingMs) {
        checks.add(() -> assertSignedWithOldOnly(delivery));
      } else if (delivery.receivedAtMs() > rotatedMs) {
        checks.add(() -> assertSignedWithBoth(delivery));
      } else {
        checks.add(() -> assertTrue(delivery.check("old").standard(),
            "an attempt sent during the rotation must still verify: " + delivery));
      }
    }
    assertAll(checks);
    assertTrue(seen.stream().anyMatch(d -> d.receivedAtMs() > rotatedMs && d.attempt() > 1),
        "some retries were sent after the rotation: " + seen);
  }

  private static void sendEvent(Account account, String text) {
    Answer answer = api.call("POST", "/v1/events", account.apiKey(), "application/json", text);
    assertEquals(202, answer.status(), answer.text());
  }

  private static void assertSignedWithOldOnly(Delivery delivery) {
    Check old = delivery.check("old");
    assertTrue(old.all(), "before the rotation the old secret verifies: " + delivery);
    assertEquals(1, delivery.signatureCount(), delivery.toString());
  }

  private static void assertSignedWithBoth(Delivery delivery) {
    Check old = delivery.check("old");
    Check fresh = delivery.check("new");
    String what = "attempt " + delivery.attempt() + " of " + delivery.deliveryId();
    assertTrue(fresh.rawHmac() && fresh.stringifyHmac(),
        what + ": X-Ouvitel-Signature uses the new secret");
    assertFalse(old.rawHmac(), what + ": X-Ouvitel-Signature no longer uses the old secret");
    assertTrue(fresh.standard(), what + ": a receiver that knows only the new secret: "
        + fresh.standardError());
    assertTrue(old.standard(), what + ": a receiver that knows only the old secret: "
        + old.standardError());
    assertEquals(2, delivery.signatureCount(), what + ": webhook-signature carries both");
    assertNotEquals(401, delivery.status(), what);
  }

  private static void assertSecretShowsOverlap(Account account, String id, String newSecret,
      long rotatingMs, long rotatedMs) {
    JsonObject secret = api.get("/v1/webhooks/" + id + "/secret", account.apiKey()).json();
    assertEquals(newSecret, secret.getString("secret"));
    Instant expires = Instant.parse(secret.getString("previousSecretExpiresAt"));
    Duration day = Duration.ofHours(24);
    assertTrue(!expires.isBefore(Instant.ofEpochMilli(rotatingMs).plus(day).minusSeconds(1))
        && !expires.isAfter(Instant.ofEpochMilli(rotatedMs).plus(day).plusSeconds(1)),
        "the old secret signs for 24 hours after the rotation: " + secret);
  }

  /** Deliveries the receiver accepted with a 200, one per delivery id. */
  private static int accepted(List<Delivery> deliveries) {
    Set<String> ids = deliveries.stream().filter(d -> d.status() == 200)
        .map(Delivery::deliveryId).collect(Collectors.toSet());
    return ids.size();
  }
}
