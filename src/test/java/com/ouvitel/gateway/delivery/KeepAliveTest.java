package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Connections to an endpoint are kept for the next attempt, unless told otherwise. */
@DisplayName("Connections to endpoints")
class KeepAliveTest {

  private static final int EVENTS = 5;

  @Test
  @DisplayName("are reused from one attempt to the next while kept alive")
  void reused_while_kept_alive() {
    assertEquals(1, connectionsForEventsOneByOne("4s"),
        "five attempts in a row, one connection");
  }

  @Test
  @DisplayName("are opened anew for every attempt with a keep-alive of 0s")
  void opened_for_every_attempt_without_keep_alive() {
    assertEquals(EVENTS, connectionsForEventsOneByOne("0s"),
        "five attempts in a row, five connections");
  }

  /** Sends events one at a time, each after the last was received; answers connections. */
  private static int connectionsForEventsOneByOne(String keepAlive) {
    try (TestReceiver receiver = TestReceiver.http();
        TestGateway gateway = TestGateway.start(Map.of("endpoint_keep_alive", keepAlive))) {
      Account account = gateway.api.createAccount("premium");
      gateway.api.createWebhook(account, receiver.url("/kept"), "print.success");
      for (int i = 1; i <= EVENTS; i++) {
        gateway.api.sendEvent(account, Api.printSuccess("job_kept_" + i));
        receiver.await("/kept", i, Duration.ofSeconds(20));
      }
      return receiver.connections();
    }
  }
}
