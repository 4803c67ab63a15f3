package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.HostileEndpoint;
import com.ouvitel.gateway.support.Timing;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The endpoint client")
class EndpointClientTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private final Vertx vertx = Vertx.vertx();
  private final HostileEndpoint hostile = HostileEndpoint.http();
  private final DestinationGuard guard = new DestinationGuard(true,
      List.of(DestinationGuard.Cidr.parse("127.0.0.0/8")));

  @AfterEach
  void stop() {
    hostile.close();
    vertx.close().await();
  }

  @Test
  @DisplayName("counts the wait for a pooled connection within the one deadline")
  void pool_queue_time_counts_within_the_deadline() throws Exception {
    EndpointClient client = new EndpointClient(vertx, TIMEOUT, 1, Duration.ofSeconds(4), null);
    DestinationGuard.Endpoint endpoint = guard.checkUrl(hostile.url("/silent"));
    // A first exchange loads the classes, so that only the deadline is measured below.
    send(client, guard.checkUrl(hostile.url("/status/204"))).await(10, TimeUnit.SECONDS);
    long started = System.nanoTime();
    List<Future<AttemptReport>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(send(client, endpoint));
    }
    for (Future<AttemptReport> report : sent) {
      AttemptReport done = report.await(10, TimeUnit.SECONDS);
      assertEquals(AttemptResult.TIMEOUT, done.result());
    }
    long elapsed = (System.nanoTime() - started) / 1_000_000;
    assertTrue(elapsed <= TIMEOUT.toMillis() + Timing.margin(300),
        "three attempts sharing one connection all ended by the deadline: " + elapsed);
  }

  @Test
  @DisplayName("hangs up on an endless answer after the cap and reports its status")
  void endless_answer_is_cut_at_the_cap() throws Exception {
    EndpointClient client = new EndpointClient(vertx, TIMEOUT, 4, Duration.ofSeconds(4), null);
    AttemptReport report = send(client, guard.checkUrl(hostile.url("/endless/200")))
        .await(10, TimeUnit.SECONDS);
    assertEquals(AttemptResult.SUCCESS, report.result());
    assertEquals(200, report.statusCode());
    HostileEndpoint.Connection connection = hostile.connections().get(0);
    assertTrue(HostileEndpoint.awaitClosed(connection, Duration.ofSeconds(5)),
        "the client hung up");
    assertTrue(connection.bytesSent.get() < 64L << 20, "read little: " + connection.bytesSent);
  }

  @Test
  @DisplayName("keeps endpoint text storable: NUL and control characters are replaced")
  void endpoint_text_is_made_storable() {
    assertEquals("a\uFFFDb\nc", EndpointClient.truncate("a\u0000b\nc", 10));
    assertEquals("abc", EndpointClient.truncate("abcdef", 3));
  }

  private static Future<AttemptReport> send(EndpointClient client,
      DestinationGuard.Endpoint endpoint) throws Exception {
    return client.send(endpoint, InetAddress.getByName("127.0.0.1"),
        MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json"),
        Buffer.buffer("{}"));
  }
}
