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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The real gateway delivering to a real Node receiver that verifies every attempt three
 * ways: the hex HMAC of the raw body, the description's {@code JSON.stringify(req.body)}
 * recipe under express.json(), and the standardwebhooks package. It gets the corpus of
 * tricky payloads, retries, manual retries, and a secret rotated while retries wait.
 */
@DisplayName("Deliveries to a Node receiver")
class NodeReceiverVerificationTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String ROTATION = "/rotation";
  private static final Pattern JOB_ID = Pattern.compile("\"jobId\":\"(corpus_\\d+)\"");
  /** How far an attempt's signing time may lie from its arrival on a loaded machine. */
  private static final long SIGNED_WITHIN_SECONDS = 30;

  private static NodeReceiver node;
  private static TestGateway gateway;
  private static Api api;

  @BeforeAll
  static void start() {
    node = NodeReceiver.start();
    // Three seconds between attempts put a retry's signing time in a later second, and
    // leave a rotation the time to happen between two attempts.
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
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("verifies all three ways on the first attempt and on a retry, same bytes")
  void every_case_verifies_on_first_attempt_and_retry() {
    Account account = api.createAccount("premium");
    webhook(account, "/corpus/once", 0);
    webhook(account, "/corpus/retried", 1);
    Map<String, Case> byJob = sendCorpus(account);

    int count = byJob.size();
    List<Delivery> first = node.await("/corpus/once", seen -> settled(seen, count), WAIT);
    List<Delivery> twice = node.await("/corpus/retried", seen -> settled(seen, count), WAIT);

    List<Executable> checks = new ArrayList<>();
    checks.add(() -> assertEquals(count, first.size(), "one attempt each: " + first));
    checks.add(() -> assertEquals(2 * count, twice.size(),
        "a failed attempt and a retry each: " + twice));
    for (Delivery delivery : first) {
      checks.add(() -> assertVerified(delivery, byJob));
    }
    for (Delivery delivery : twice) {
      checks.add(() -> assertVerified(delivery, byJob));
    }
    for (Delivery retry : twice) {
      if (retry.attempt() == 2) {
        checks.add(() -> assertSameBytesSignedLater(attempt(twice, retry.deliveryId(), 1),
            retry));
      }
    }
    assertAll(checks);
  }

  @Test
  @DisplayName("sends the bytes of batch events, and signs them again on a manual retry")
  void manual_retry_sends_the_stored_bytes() {
    Account account = api.createAccount("premium");
    webhook(account, "/corpus/manual", 0);
    Map<String, Case> byJob = sendCorpusAsBatch(account);
    int count = byJob.size();
    List<Delivery> first = node.await("/corpus/manual", seen -> settled(seen, count), WAIT);

    // A second later, so that a retry signed when it is sent carries a later timestamp.
    Api.sleep(1100);
    for (Delivery delivery : first) {
      Answer retry = api.post("/v1/deliveries/" + delivery.deliveryId() + "/retry",
          account.apiKey(), null);
      assertEquals(202, retry.status(), retry.text());
    }
    List<Delivery> all = node.await("/corpus/manual", seen -> settled(seen, 2 * count),
        WAIT);

    List<Executable> checks = new ArrayList<>();
    for (Delivery delivery : all) {
      checks.add(() -> assertVerified(delivery, byJob));
      if (delivery.attempt() == 2) {
        checks.add(() -> assertSameBytesSignedLater(attempt(all, delivery.deliveryId(), 1),
            delivery));
      }
    }
    assertAll(checks);
  }

  @Test
  @DisplayName("verifies a test event sent from the API all three ways")
  void test_event_verifies() {
    Account account = api.createAccount("premium");
    String id = api.createWebhook(account, node.url("/test-event"), "print.failure")
        .getString("id");
    node.configure("/test-event", 0, Map.of("secret", api.get("/v1/webhooks/" + id
        + "/secret", account.apiKey()).json().getString("secret")));

    Answer sent = api.post("/v1/webhooks/" + id + "/test", account.apiKey(),
        new JsonObject().put("event", "print.failure"));
    assertEquals(202, sent.status(), sent.text());
    Delivery delivery = node.await("/test-event", seen -> settled(seen, 1), WAIT).get(0);

    assertTrue(delivery.check("secret").all(), delivery.toString());
    assertTrue(delivery.roundTrips(), delivery.toString());
    assertEquals(200, delivery.status());
  }

  @Test
  @DisplayName("verifies every attempt when the secret is rotated in the middle of retries")
  void every_attempt_after_rotation_verifies() {
    Account account = api.createAccount("premium");
    JsonObject webhook = api.createWebhook(account, node.url(ROTATION), "print.success");
    String id = webhook.getString("id");
    String oldSecret = webhook.getString("secret");
    node.configure(ROTATION, 2, Map.of("old", oldSecret));
    List<Case> cases = PayloadCorpus.cases().subList(0, 3);
    for (int i = 0; i < cases.size(); i++) {
      sendEvent(account, cases.get(i).eventText("before_" + i));
    }
    node.await(ROTATION, seen -> seen.size() >= cases.size(), WAIT);

    long rotatingMs = System.currentTimeMillis();
    Answer rotation = api.post("/v1/webhooks/" + id + "/rotate-secret", account.apiKey(),
        null);
    assertEquals(200, rotation.status(), rotation.text());
    String newSecret = rotation.json().getString("secret");
    node.configure(ROTATION, 2, Map.of("old", oldSecret, "new", newSecret));
    long rotatedMs = System.currentTimeMillis();
    sendEvent(account, cases.get(0).eventText("after_0"));

    List<Delivery> seen = node.await(ROTATION, all -> accepted(all) == cases.size() + 1, WAIT);

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

  private static void webhook(Account account, String path, int failAttempts) {
    JsonObject webhook = api.createWebhook(account, node.url(path), "print.success");
    node.configure(path, failAttempts, Map.of("secret", webhook.getString("secret")));
  }

  /** Sends every case as one event and answers the cases by the job id each carries. */
  private static Map<String, Case> sendCorpus(Account account) {
    Map<String, Case> byJob = new HashMap<>();
    List<Case> cases = PayloadCorpus.cases();
    for (int i = 0; i < cases.size(); i++) {
      String jobId = "corpus_" + i;
      Answer answer = api.call("POST", "/v1/events", account.apiKey(), "application/json",
          cases.get(i).eventText(jobId));
      assertEquals(202, answer.status(), cases.get(i).name() + ": " + answer.text());
      byJob.put(jobId, cases.get(i));
    }
    return byJob;
  }

  /** Sends every case as one item of a single batch. */
  private static Map<String, Case> sendCorpusAsBatch(Account account) {
    Map<String, Case> byJob = new HashMap<>();
    List<String> items = new ArrayList<>();
    List<Case> cases = PayloadCorpus.cases();
    for (int i = 0; i < cases.size(); i++) {
      items.add(cases.get(i).eventText("corpus_" + i));
      byJob.put("corpus_" + i, cases.get(i));
    }
    Answer answer = api.call("POST", "/v1/events/batch", account.apiKey(), "application/json",
        "{\"events\": [" + String.join(",\n", items) + "]}");
    assertEquals(202, answer.status(), answer.text());
    assertTrue(answer.json().getJsonArray("results").stream()
        .allMatch(result -> ((JsonObject) result).containsKey("id")), answer.text());
    return byJob;
  }

  private static void assertVerified(Delivery delivery, Map<String, Case> byJob) {
    Matcher job = JOB_ID.matcher(delivery.body());
    assertTrue(job.find(), "no job id in " + delivery);
    Case sent = byJob.get(job.group(1));
    String what = sent.name() + ", attempt " + delivery.attempt();

    assertEquals(sent.deliveredBody(job.group(1)), delivery.body(), what + ": the body");
    assertTrue(delivery.roundTrips(), what + ": JSON.stringify(JSON.parse(body)) changed it");
    Check check = delivery.check("secret");
    assertTrue(check.rawHmac(), what + ": HMAC of the raw body");
    assertTrue(check.stringifyHmac(), what + ": HMAC of JSON.stringify(req.body)");
    assertTrue(check.standard(), what + ": standardwebhooks said " + check.standardError());
    assertEquals(1, delivery.signatureCount(), what + ": one secret, one signature");
    assertEquals(delivery.ouvitelTimestamp(), delivery.webhookTimestamp(), what);
    assertTrue(Math.abs(delivery.receivedAtMs() / 1000 - delivery.webhookTimestamp())
        <= SIGNED_WITHIN_SECONDS, what + ": signed when sent");
    assertTrue(delivery.status() != 401, what + ": the receiver refused it");
  }

  private static void assertSameBytesSignedLater(Delivery first, Delivery retry) {
    String what = "retry of " + retry.deliveryId();
    assertEquals(first.bodySha256(), retry.bodySha256(), what + ": the same bytes");
    assertTrue(retry.webhookTimestamp() > first.webhookTimestamp(),
        what + ": the retry must carry its own, later webhook-timestamp");
  }

  private static Delivery attempt(List<Delivery> deliveries, String deliveryId, int number) {
    return deliveries.stream()
        .filter(d -> d.deliveryId().equals(deliveryId) && d.attempt() == number)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no attempt " + number + " of " + deliveryId));
  }

  /** True once the receiver accepted that many attempts, or refused one. */
  private static boolean settled(List<Delivery> deliveries, int accepted) {
    return deliveries.stream().anyMatch(d -> d.status() == 401)
        || deliveries.stream().filter(d -> d.status() == 200).count() >= accepted;
  }

  private static void sendEvent(Account account, String text) {
    Answer answer = api.call("POST", "/v1/events", account.apiKey(), "application/json", text);
    assertEquals(202, answer.status(), answer.text());
  }

  /** Deliveries the receiver accepted with a 200, one per delivery id. */
  private static int accepted(List<Delivery> deliveries) {
    Set<String> ids = deliveries.stream().filter(d -> d.status() == 200)
        .map(Delivery::deliveryId).collect(Collectors.toSet());
    return ids.size();
  }
}
