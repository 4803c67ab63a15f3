package com.ouvitel.gateway.receivers;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The corpus of tricky payloads, sent through the real gateway to a real Node receiver that
 * verifies every attempt three ways: the hex HMAC of the raw body, the description's
 * {@code JSON.stringify(req.body)} recipe under express.json(), and the standardwebhooks
 * package.
 */
@DisplayName("Deliveries of the payload corpus to a Node receiver")
class NodeReceiverCorpusTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern JOB_ID = Pattern.compile("\"jobId\":\"(corpus_\\d+)\"");
  /** How far an attempt's signing time may lie from its arrival on a loaded machine. */
  private static final long SIGNED_WITHIN_SECONDS = 30;

  private static NodeReceiver node;
  private static TestGateway gateway;
  private static Api api;

  @BeforeAll
  static void start() {
    node = NodeReceiver.start();
    // Two seconds between attempts put a retry's signing time in a later second.
    gateway = TestGateway.start(Map.of(
        "retry_initial_delay", "2s",
        "retry_multiplier", "1",
        "retry_max_retries", "3"));
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
  @DisplayName("verifies all three ways on the first attempt and on a retry, same bytes")
  void every_case_verifies_on_first_attempt_and_retry() {
    Account account = api.createAccount("premium");
    webhook(account, "/corpus/once", 0);
    webhook(account, "/corpus/retried", 1);
    Map<String, Case> byJob = sendCorpus(account, "corpus_");

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
  @DisplayName("sends and signs the same bytes again on a manual retry")
  void manual_retry_sends_the_stored_bytes() {
    Account account = api.createAccount("premium");
    webhook(account, "/corpus/manual", 0);
    Map<String, Case> byJob = sendCorpus(account, "corpus_");
    int count = byJob.size();
    List<Delivery> first = node.await("/corpus/manual", seen -> settled(seen, count), WAIT);

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

  private static void webhook(Account account, String path, int failAttempts) {
    JsonObject webhook = api.createWebhook(account, node.url(path), "print.success");
    node.configure(path, failAttempts, Map.of("secret", webhook.getString("secret")));
  }

  /** Sends every case as one event and answers the cases by the job id each carries. */
  private static Map<String, Case> sendCorpus(Account account, String prefix) {
    Map<String, Case> byJob = new HashMap<>();
    List<Case> cases = PayloadCorpus.cases();
    for (int i = 0; i < cases.size(); i++) {
      String jobId = prefix + i;
      Answer answer = api.call("POST", "/v1/events", account.apiKey(), "application/json",
          cases.get(i).eventText(jobId));
      assertEquals(202, answer.status(), cases.get(i).name() + ": " + answer.text());
      byJob.put(jobId, cases.get(i));
    }
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
}
