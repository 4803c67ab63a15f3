package com.ouvitel.gateway.receivers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.MovableClock;
import com.ouvitel.gateway.support.Signatures;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import com.ouvitel.gateway.support.TestReceiver.Request;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Attempts are signed when they are sent, by the gateway's clock: a retry hours later carries
 * a fresh webhook-timestamp, and the previous secret stops signing 24 hours after a rotation.
 * The clock is moved rather than waited for, so the signatures are checked here in Java; a
 * Node receiver would refuse timestamps that lie hours ahead of its own clock.
 */
@DisplayName("Signing each attempt at send time")
class AttemptSigningTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  /** How far an attempt's signing time may lie from the gateway's clock on a loaded machine. */
  private static final long SIGNED_WITHIN_SECONDS = 30;

  private static final MovableClock clock = new MovableClock();
  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static Api api;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    gateway = TestGateway.start(Map.of(
        "retry_initial_delay", "2h",
        "retry_multiplier", "1",
        "retry_max_retries", "2"), clock);
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
  }

  @Test
  @DisplayName("gives a retry two hours later its own timestamp and a signature over it")
  void retry_hours_later_is_signed_when_sent() {
    Account account = api.createAccount("premium");
    receiver.script("/later", 503, 200);
    String secret = api.createWebhook(account, receiver.url("/later"), "print.success")
        .getString("secret");
    String eventId = api.sendEvent(account, Api.printSuccess("job_later")).getString("id");
    String deliveryId = api.deliveriesOf(account, eventId).getJsonObject(0).getString("id");
    Request first = receiver.await("/later", 1, WAIT).get(0);
    // Moving the clock before the failure is recorded would expire the attempt's lease.
    api.awaitDelivery(account, deliveryId, d -> d.getInteger("attemptCount") == 1, WAIT);

    clock.advance(Duration.ofHours(2).plusMinutes(1));
    Request retry = receiver.await("/later", 2, WAIT).get(1);

    assertEquals("2", retry.header("X-Ouvitel-Attempt"));
    assertArrayEquals(first.body(), retry.body(), "the same bytes on every attempt");
    assertEquals(first.header("X-Ouvitel-Signature"), retry.header("X-Ouvitel-Signature"));
    long sentAt = Long.parseLong(retry.header("webhook-timestamp"));
    assertTrue(sentAt - Long.parseLong(first.header("webhook-timestamp")) >= 2 * 3600,
        "the retry's timestamp is the time it was sent, two hours after the first");
    assertTrue(Math.abs(clock.instant().getEpochSecond() - sentAt) <= SIGNED_WITHIN_SECONDS);
    assertEquals(retry.header("webhook-timestamp"), retry.header("X-Ouvitel-Timestamp"));
    assertEquals(Signatures.standard(secret, retry.header("webhook-id"),
        retry.header("webhook-timestamp"), retry.body()), retry.header("webhook-signature"));
  }

  @Test
  @DisplayName("signs with both secrets for 24 hours after a rotation, then with the new one")
  void previous_secret_stops_signing_after_a_day() {
    Account account = api.createAccount("premium");
    JsonObject webhook = api.createWebhook(account, receiver.url("/rotated"), "print.success");
    String id = webhook.getString("id");
    String oldSecret = webhook.getString("secret");
    String newSecret = api.post("/v1/webhooks/" + id + "/rotate-secret", account.apiKey(),
        null).json().getString("secret");

    String eventId = api.sendEvent(account, Api.printSuccess("job_overlap")).getString("id");
    String deliveryId = api.deliveriesOf(account, eventId).getJsonObject(0).getString("id");
    Request during = receiver.await("/rotated", 1, WAIT).get(0);
    api.awaitDelivery(account, deliveryId, d -> d.getString("status").equals("succeeded"),
        WAIT);
    clock.advance(Duration.ofHours(24).plusMinutes(1));
    JsonObject secret = api.get("/v1/webhooks/" + id + "/secret", account.apiKey()).json();
    api.sendEvent(account, Api.printSuccess("job_after_overlap"));
    Request after = receiver.await("/rotated", 2, WAIT).get(1);

    assertEquals(Set.of(standard(oldSecret, during), standard(newSecret, during)),
        Set.of(during.header("webhook-signature").split(" ")));
    assertEquals(Signatures.ouvitel(newSecret, during.body()),
        during.header("X-Ouvitel-Signature"));
    assertEquals(newSecret, secret.getString("secret"));
    assertNull(secret.getValue("previousSecretExpiresAt"), "the overlap is over: " + secret);
    assertEquals(List.of(standard(newSecret, after)),
        List.of(after.header("webhook-signature").split(" ")));
    assertEquals(Signatures.ouvitel(newSecret, after.body()),
        after.header("X-Ouvitel-Signature"));
  }

  private static String standard(String secret, Request request) {
    return Signatures.standard(secret, request.header("webhook-id"),
        request.header("webhook-timestamp"), request.body());
  }
}
