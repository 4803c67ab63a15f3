package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The destination guard in a running gateway, with a resolver whose answers the test
 * changes. Only 127.0.0.1 is allowed (GATEWAY_ALLOWED_CIDRS), so every other loopback
 * address stands for the internal network.
 */
@DisplayName("The destination guard of a running gateway")
class DestinationGuardDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Map<String, String> DNS = new ConcurrentHashMap<>();

  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static Api api;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    gateway = TestGateway.start(Map.of("allowed_cidrs", "127.0.0.1/32",
            "retry_initial_delay", "1h"), Clock.systemUTC(),
        DestinationGuardDeliveryTest::resolve);
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
  }

  private static InetAddress[] resolve(String host) throws UnknownHostException {
    String address = DNS.get(host);
    if (address == null) {
      throw new UnknownHostException(host);
    }
    return new InetAddress[] {InetAddress.getByName(address)};
  }

  @Test
  @DisplayName("checks again at connect time: a name turned internal ends blocked_destination")
  void a_name_whose_address_changes_is_blocked_at_connect_time() {
    DNS.put("hooks.customer.test", "127.0.0.1");
    Account account = api.createAccount("premium");
    String url = "http://hooks.customer.test:" + port() + "/rebinding";
    api.createWebhook(account, url, "print.success");

    String first = api.sendForDelivery(account, "job_before");
    api.awaitDelivery(account, first, d -> d.getString("status").equals("succeeded"), WAIT);
    TestReceiver.Request request = receiver.await("/rebinding", 1, WAIT).get(0);
    assertEquals("hooks.customer.test:" + port(), request.header("Host"),
        "connected to the checked address with the original Host");

    DNS.put("hooks.customer.test", "127.0.0.2");
    String second = api.sendForDelivery(account, "job_after");
    JsonObject blocked = api.awaitDelivery(account, second,
        d -> d.getInteger("attemptCount") == 1, WAIT);
    JsonObject attempt = blocked.getJsonArray("attempts").getJsonObject(0);
    assertEquals("blocked_destination", attempt.getString("result"), attempt.toString());
    assertTrue(attempt.getString("error").contains("127.0.0.2"), attempt.toString());
    assertEquals(1, receiver.requests("/rebinding").size(), "nothing else was contacted");
  }

  @Test
  @DisplayName("counts a name that stops resolving as connection_error, to be retried")
  void a_name_that_stops_resolving_is_a_connection_error() {
    DNS.put("flaky-dns.customer.test", "127.0.0.1");
    Account account = api.createAccount("premium");
    api.createWebhook(account, "http://flaky-dns.customer.test:" + port() + "/dns",
        "print.success");
    DNS.remove("flaky-dns.customer.test");

    JsonObject delivery = api.awaitDelivery(account, api.sendForDelivery(account, "job_dns"),
        d -> d.getInteger("attemptCount") == 1, WAIT);
    assertEquals("connection_error",
        delivery.getJsonArray("attempts").getJsonObject(0).getString("result"));
    assertEquals("pending", delivery.getString("status"), "retried later");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"http://127.0.0.2/", "http://127.0.2/", "http://2130706434/",
      "http://0x7f000002/", "http://[::1]/", "http://[::ffff:127.0.0.2]/",
      "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://100.64.0.1/",
      "http://224.0.0.1/", "http://0.0.0.0/", "http://[fe80::1]/", "http://internal.test/"})
  @DisplayName("refuses a webhook whose host is or resolves into a guarded range")
  void refuses_guarded_destinations_when_saved(String url) {
    DNS.put("internal.test", "192.168.1.10");
    Account account = api.createAccount("premium");
    Api.Answer answer = api.post("/v1/webhooks", account.apiKey(), new JsonObject()
        .put("url", url).put("events", new JsonArray(List.of("all"))));
    assertEquals(400, answer.status(), answer.text());
    assertEquals("invalid_url", answer.errorCode());
  }

  @Test
  @DisplayName("accepts the ranges GATEWAY_ALLOWED_CIDRS exempts, in any spelling")
  void allowed_ranges_are_exempt() {
    Account account = api.createAccount("premium");
    for (String host : List.of("127.0.0.1", "127.1", "2130706433", "[::ffff:127.0.0.1]")) {
      api.createWebhook(account, "http://" + host + ":" + port() + "/allowed", "all");
    }
    JsonObject accepted = api.sendEvent(account, Api.printSuccess("job_allowed"));
    assertEquals(4, accepted.getInteger("deliveries"));
    receiver.await("/allowed", 4, WAIT);
  }

  private static int port() {
    String url = receiver.url("/");
    return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1, url.length() - 1));
  }
}
