package com.ouvitel.gateway.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium against a real gateway and receiver. The page
 * is driven as a user would (fields filled, buttons clicked, Enter pressed); screenshots go
 * to target/screenshots.
 */
@DisplayName("The dashboard in headless Chromium")
class DashboardBrowserTest {

  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static Api api;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    // A low threshold and a long cool-down, so that a failing endpoint shows an open circuit.
    gateway = TestGateway.start(Map.of(
        "circuit_failure_threshold", "2",
        "circuit_cool_down", "60s",
        "retry_initial_delay", "100ms"));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
  }

  @Test
  @DisplayName("creates a webhook, shows its delivery arrive, retries it and rotates the secret")
  void drives_the_main_flows() throws Exception {
    Account account = api.createAccount("premium");
    try (HeadlessChromium page = HeadlessChromium.start(1280, 1000)) {
      page.navigate(api.base() + "/");
      page.waitFor("!!document.getElementById('api-key')", "the API key field");
      page.screenshot(SHOTS.resolve("dashboard-1-sign-in.png"));

      signInWithTheKeyboard(page, account.apiKey());
      String secret = createWebhook(page, receiver.url("/dashboard"));
      String webhookId = (String) page.evaluate(
          "document.querySelector('#webhooks tbody tr').dataset.webhook");
      page.screenshot(SHOTS.resolve("dashboard-2-webhook-created.png"));

      click(page, "[data-action='Send test event']");
      receiver.await("/dashboard", 1, WAIT);
      page.waitFor(refreshedUntil("log-first",
          "#deliveries tbody tr .badge.succeeded"), "the delivery, succeeded");
      openTheDelivery(page);
      page.screenshot(SHOTS.resolve("dashboard-3-delivery.png"));

      click(page, "#delivery-retry");
      receiver.await("/dashboard", 2, WAIT);
      page.waitFor(refreshedUntil("delivery-reload", "#attempts tbody tr:nth-child(2)"),
          "a second attempt");
      page.screenshot(SHOTS.resolve("dashboard-4-retried.png"));

      click(page, "[data-action='Rotate secret']");
      page.waitFor("document.getElementById('secret-value').textContent.startsWith('whsec_')"
          + " && document.getElementById('secret-value').textContent !== '" + secret + "'",
          "the new secret");
      String rotated = (String) page.evaluate(
          "document.getElementById('secret-value').textContent");
      JsonObject stored = api.get("/v1/webhooks/" + webhookId + "/secret", account.apiKey())
          .json();
      assertEquals(rotated, stored.getString("secret"));
      assertNotEquals(secret, rotated);

      page.evaluate("document.getElementById('stats-window').value = '1h'; "
          + "document.getElementById('stats-window').dispatchEvent(new Event('change')); true");
      page.waitFor("document.querySelectorAll('#chart rect.ok[height]').length > 0 && "
          + "[...document.querySelectorAll('#chart rect.ok')].some(r => +r.getAttribute("
          + "'height') > 0)", "a bar of successful attempts in the chart");
      page.screenshot(SHOTS.resolve("dashboard-5-rotated-and-chart.png"));
      assertTrue(((String) page.evaluate("document.getElementById('stats-numbers').innerText"))
          .contains("Delivered"));
    }
  }

  @Test
  @DisplayName("shows that a webhook's circuit is open while its endpoint keeps failing")
  void shows_an_open_circuit() throws Exception {
    Account account = api.createAccount("premium");
    receiver.script("/failing", 500);
    String id = api.createWebhook(account, receiver.url("/failing"), "print.success")
        .getString("id");
    try (HeadlessChromium page = HeadlessChromium.start(1280, 1000)) {
      page.navigate(api.base() + "/");
      page.waitFor("!!document.getElementById('api-key')", "the API key field");
      signInWithTheKeyboard(page, account.apiKey());
      String row = "#webhooks tbody tr[data-webhook='" + id + "']";
      page.waitFor("!!document.querySelector(\"" + row + "\")", "the webhook");
      Number badges = (Number) page.evaluate(
          "document.querySelectorAll('[data-circuit]').length");
      assertEquals(0, badges.intValue(), "no circuit badge before any failure");

      api.sendEvent(account, Api.printSuccess("job_failing_1"));
      receiver.await("/failing", 2, WAIT);
      page.waitFor(refreshedUntil("webhooks-refresh", row + " [data-circuit='open']"),
          "the circuit-open badge");
      String status = (String) page.evaluate(
          "document.querySelector(\"" + row + " td:nth-child(3)\").innerText");
      assertTrue(status.contains("circuit open") && status.contains("2 failures in a row")
          && status.contains("deliveries wait until"), status);
      page.screenshot(SHOTS.resolve("dashboard-6-circuit-open.png"));
    }
  }

  private static void signInWithTheKeyboard(HeadlessChromium page, String apiKey)
      throws Exception {
    page.evaluate("const key = document.getElementById('api-key'); key.focus(); "
        + "key.value = '" + apiKey + "'; true");
    page.pressEnter();
    page.waitFor("!document.getElementById('app').hidden", "the signed-in view");
    assertEquals(apiKey, page.evaluate("sessionStorage.getItem('ouvitel.apiKey')"));
  }

  /** Fills the new-webhook form and submits it; returns the secret the page shows. */
  private static String createWebhook(HeadlessChromium page, String url) throws Exception {
    click(page, "#new-webhook");
    page.evaluate("document.getElementById('webhook-url').value = '" + url + "'; "
        + "document.getElementById('webhook-description').value = 'Front desk printers'; "
        + "true");
    click(page, "#webhook-save");
    page.waitFor("!!document.querySelector('#webhooks tbody tr') && "
        + "document.getElementById('secret-value').textContent.startsWith('whsec_')",
        "the new webhook and its secret");
    return (String) page.evaluate("document.getElementById('secret-value').textContent");
  }

  private static void openTheDelivery(HeadlessChromium page) throws Exception {
    click(page, "#deliveries tbody tr button");
    page.waitFor("!document.getElementById('delivery').hidden && "
        + "document.querySelectorAll('#attempts tbody tr').length === 1 && "
        + "document.getElementById('delivery-body').textContent.includes('print.success')",
        "the delivery with one attempt and its body");
  }

  /** A condition that presses a refresh button, waits a little, then looks for a match. */
  private static String refreshedUntil(String buttonId, String selector) {
    return "(async () => { document.getElementById('" + buttonId + "').click(); "
        + "await new Promise(done => setTimeout(done, 300)); "
        + "return !!document.querySelector(\"" + selector + "\"); })()";
  }

  private static void click(HeadlessChromium page, String selector) throws Exception {
    page.waitFor("!!document.querySelector(\"" + selector + "\")", selector);
    page.evaluate("document.querySelector(\"" + selector + "\").click(); true");
  }
}
