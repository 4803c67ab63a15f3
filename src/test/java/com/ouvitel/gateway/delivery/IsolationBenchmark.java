package com.ouvitel.gateway.delivery;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.HostileEndpoint;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The isolation benchmark (not part of the suite: its name matches no test pattern; run it
 * with {@code bench/isolation/run.sh}). A healthy endpoint's delivery latency alone, then
 * beside an endpoint that never answers, with thousands of deliveries queued for it and more
 * arriving all along, at the shipped 5 s deadline and circuit settings. Writes
 * target/bench/isolation.txt.
 */
class IsolationBenchmark {

  private static final int HEALTHY_EVENTS = Integer.getInteger("bench.events", 600);
  private static final int RATE = Integer.getInteger("bench.rate", 50);
  private static final int STALLED_BACKLOG = Integer.getInteger("bench.backlog", 5000);

  @Test
  void healthy_latency_alone_and_beside_a_stalled_endpoint() throws Exception {
    try (TestGateway gateway = TestGateway.start(Map.of(
            "retry_initial_delay", "60s", "retry_jitter", "0.2", "poll_interval", "1s"));
        TestReceiver healthy = TestReceiver.http();
        HostileEndpoint stalled = HostileEndpoint.http()) {
      Api api = gateway.api;
      Account fine = api.createAccount("premium");
      api.createWebhook(fine, healthy.url("/alone"), "print.success");
      Account stalling = api.createAccount("premium");
      api.createWebhook(stalling, stalled.url("/silent"), "print.failure");

      run(api, fine, healthy, "/alone", "warm", HEALTHY_EVENTS / 4);
      List<Long> alone = run(api, fine, healthy, "/alone", "alone", HEALTHY_EVENTS);

      for (int sent = 0; sent < STALLED_BACKLOG; sent += 100) {
        stalledBatch(api, stalling, "backlog_" + sent, 100);
      }
      AtomicBoolean loading = new AtomicBoolean(true);
      Thread more = new Thread(() -> {
        int n = 0;
        while (loading.get()) {
          stalledBatch(api, stalling, "more_" + n++, 10);
          Api.sleep(200);
        }
      });
      more.start();
      List<Long> beside = run(api, fine, healthy, "/alone", "beside", HEALTHY_EVENTS);
      loading.set(false);
      more.join();

      String report = String.format(
          "isolation benchmark: %d healthy deliveries at %d/s, 5 s deadline%n"
              + "alone:                p50 %d ms, p95 %d ms, p99 %d ms, max %d ms%n"
              + "beside stalled (%d+): p50 %d ms, p95 %d ms, p99 %d ms, max %d ms%n"
              + "p99 ratio beside/alone: %.2f (within 2x: %s)%n"
              + "requests the stalled endpoint received: %d on %d connections%n",
          HEALTHY_EVENTS, RATE, pct(alone, 50), pct(alone, 95), pct(alone, 99),
          pct(alone, 100), STALLED_BACKLOG, pct(beside, 50), pct(beside, 95),
          pct(beside, 99), pct(beside, 100),
          ratio(pct(beside, 99), pct(alone, 99)),
          ratio(pct(beside, 99), pct(alone, 99)) <= 2.0,
          stalled.requests().size(), stalled.connections().size());
      System.out.print(report);
      Path out = Path.of("target", "bench", "isolation.txt");
      Files.createDirectories(out.getParent());
      Files.writeString(out, report);
    }
  }

  /** Sends events at the rate, one at a time, and answers each one's latency to arrival. */
  private static List<Long> run(Api api, Account account, TestReceiver receiver, String path,
      String label, int count) {
    Map<String, Instant> sentAt = new ConcurrentHashMap<>();
    int before = receiver.requests(path).size();
    long interval = 1_000_000_000L / RATE;
    long next = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String job = label + "_" + i;
      sentAt.put(job, Instant.now());
      api.sendEvent(account, Api.printSuccess(job));
      next += interval;
      long wait = (next - System.nanoTime()) / 1_000_000;
      if (wait > 0) {
        Api.sleep(wait);
      }
    }
    receiver.await(path, before + count, Duration.ofSeconds(60));
    List<Long> latencies = new ArrayList<>();
    for (TestReceiver.Request request : receiver.requests(path)) {
      String job = new JsonObject(request.text()).getJsonObject("payload").getString("jobId");
      Instant sent = sentAt.get(job);
      if (sent != null) {
        latencies.add(Duration.between(sent, request.at()).toMillis());
      }
    }
    latencies.sort(null);
    return latencies;
  }

  private static void stalledBatch(Api api, Account account, String prefix, int size) {
    JsonArray events = new JsonArray();
    for (int i = 0; i < size; i++) {
      events.add(new JsonObject().put("event", "print.failure").put("payload",
          new JsonObject().put("jobId", prefix + "_" + i).put("printerToken", "p")
              .put("timestamp", "2026-01-06T12:00:00Z").put("reason", "jam")));
    }
    api.post("/v1/events/batch", account.apiKey(), new JsonObject().put("events", events));
  }

  private static long pct(List<Long> sorted, int percentile) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
  }

  private static double ratio(long value, long base) {
    return base <= 0 ? Double.NaN : (double) value / base;
  }
}
