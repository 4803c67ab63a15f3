package com.ouvitel.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Without the in-memory hand-off ({@code dispatch_hand_off: false}, a switch for measuring
 * it), new deliveries wait unleased in the queue in PostgreSQL and the dispatcher, woken by
 * each commit, claims them. The poll is an hour away here, so only those wake-ups can bring
 * them out.
 */
@DisplayName("Deliveries without the in-memory hand-off")
class HandOffTest {

  private static final int EVENTS = 200;
  /** Requests at once, so that commits also land while a claim is under way. */
  private static final int SENDERS = 16;

  @Test
  @DisplayName("are claimed from PostgreSQL right after their commit and each delivered once, "
      + "with events arriving on many connections at once")
  void claimed_after_their_commit() {
    sendAndCheckDeliveries(Map.of("dispatch_hand_off", "false", "poll_interval", "1h"));
  }

  @Test
  @DisplayName("are also all delivered once when each claim takes one delivery only")
  void claimed_one_at_a_time() {
    sendAndCheckDeliveries(Map.of("dispatch_hand_off", "false", "poll_interval", "1h",
        "claim_batch_size", "1"));
  }

  private static void sendAndCheckDeliveries(Map<String, String> settings) {
    try (TestReceiver receiver = TestReceiver.http();
        TestGateway gateway = TestGateway.start(settings)) {
      Account account = gateway.api.createAccount("premium");
      gateway.api.createWebhook(account, receiver.url("/claimed"), "print.success");
      ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
      List<CompletableFuture<?>> sent = new ArrayList<>();
      for (int i = 0; i < EVENTS; i++) {
        String job = "job_claimed_" + i;
        sent.add(CompletableFuture.runAsync(
            () -> gateway.api.sendEvent(account, Api.printSuccess(job)), senders));
      }
      sent.forEach(CompletableFuture::join);
      senders.shutdown();

      receiver.await("/claimed", EVENTS, Duration.ofSeconds(20));
      Api.sleep(300);
      assertEquals(EVENTS, receiver.byDelivery("/claimed").size(), "distinct deliveries");
      assertEquals(EVENTS, receiver.requests("/claimed").size(), "one request each");
      String succeededFirstTime = """
          SELECT count(*) FROM deliveries
          WHERE account_id = '%s' AND status = 'succeeded' AND attempt_count = 1
          """.formatted(account.id());
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (count(succeededFirstTime) < EVENTS && System.nanoTime() < deadline) {
        Api.sleep(50);
      }
      assertEquals((long) EVENTS, count(succeededFirstTime),
          "every delivery succeeded at its first attempt");
    }
  }

  private static long count(String sql) {
    return ((Number) TestDatabase.queryValue(sql)).longValue();
  }
}
