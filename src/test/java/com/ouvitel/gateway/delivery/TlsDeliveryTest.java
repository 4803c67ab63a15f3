package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.HostileEndpoint;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Delivery over TLS, at the shipped 5 s deadline (a first handshake on a cold, loaded JVM
 * can take longer than the short deadlines of the other tests).
 */
@DisplayName("Delivery over TLS")
class TlsDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static TestGateway gateway;
  private static Api api;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(Map.of(
        "retry_initial_delay", "300ms",
        "retry_max_retries", "1",
        "trusted_ca_file", TestReceiver.resource("tls/ca.pem")));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  @DisplayName("trusts a private CA from GATEWAY_TRUSTED_CA_FILE and sends the name as SNI")
  void private_ca_is_trusted_and_sni_is_the_url_host() {
    try (HostileEndpoint tls = HostileEndpoint.https(HostileEndpoint.Tls.PRIVATE_CA)) {
      Account account = api.createAccount("premium");
      api.createWebhook(account, tls.url("/status/200"), "print.success");
      String deliveryId = api.sendForDelivery(account, "job_tls");

      JsonObject delivery = api.awaitDelivery(account, deliveryId,
          d -> d.getString("status").equals("succeeded"), WAIT);
      assertEquals(1, delivery.getInteger("attemptCount"));
      HostileEndpoint.Request request = tls.requests("/status/200").get(0);
      assertEquals("localhost", request.connection().serverName);
      assertEquals("localhost:" + tls.port(), request.header("Host"));
    }
  }

  @Test
  @DisplayName("fails an endpoint whose certificate nobody trusts with tls_error")
  void untrusted_certificate_is_a_tls_error() {
    try (HostileEndpoint tls = HostileEndpoint.https(HostileEndpoint.Tls.UNTRUSTED)) {
      Account account = api.createAccount("premium");
      api.createWebhook(account, tls.url("/status/200"), "print.success");
      String deliveryId = api.sendForDelivery(account, "job_untrusted");

      JsonObject delivery = api.awaitDelivery(account, deliveryId,
          d -> d.getString("status").equals("failed"), WAIT);
      for (Object a : delivery.getJsonArray("attempts")) {
        assertEquals("tls_error", ((JsonObject) a).getString("result"), a.toString());
      }
      assertEquals(0, tls.requests().size(), "no request went over the untrusted TLS");
    }
  }
}
