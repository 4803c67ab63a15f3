package com.ouvitel.gateway.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fleet pushing events in batches at a set of pods, as a well-behaved client does: every
 * event carries its own {@code id}, and a batch that is refused (503) or whose answer is lost
 * is sent again, unchanged, to the next pod. Bounded in events and in time; it records what
 * each pod acknowledged and how every answer looked.
 */
public final class FleetLoad {

  /** One answer (or failure) as the fleet saw it; {@code status} -1 is a failure. */
  public record Answer(long atMillis, String pod, int status, boolean retryAfter,
      long latencyMillis, String failure) {
  }

  /** A pod the fleet may send to. */
  public record Target(String name, String base) {
  }

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
  private final String apiKey;
  private final String prefix;
  private final int batchSize;
  private final int totalEvents;
  private final AtomicInteger nextEvent = new AtomicInteger();
  private final AtomicInteger rotation = new AtomicInteger();
  private final long started = System.currentTimeMillis();
  private volatile List<Target> targets;
  /** Pods that said they are shutting down: like a load balancer, the fleet avoids them. */
  private final Set<String> draining = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> acknowledgedBy = new ConcurrentHashMap<>();
  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final List<String> refusedItems = new CopyOnWriteArrayList<>();
  private final AtomicLong lastSent = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();

  public FleetLoad(String apiKey, String prefix, int batchSize, int totalEvents,
      List<Target> targets) {
    this.apiKey = apiKey;
    this.prefix = prefix;
    this.batchSize = batchSize;
    this.totalEvents = totalEvents;
    this.targets = List.copyOf(targets);
  }

  /** Starts the sending threads; each stops when the events run out or after maxTime. */
  public FleetLoad start(int threadCount, Duration maxTime) {
    long deadline = System.nanoTime() + maxTime.toNanos();
    for (int i = 0; i < threadCount; i++) {
      Thread thread = new Thread(() -> sendUntil(deadline), prefix + "-fleet-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    return this;
  }

  /** From now on, send only to these pods. */
  public void retarget(List<Target> pods) {
    targets = List.copyOf(pods);
  }

  /** Sends no further batch; batches under way still finish. */
  public void stop() {
    stopping = true;
  }

  /** Waits for every sending thread. */
  public FleetLoad await(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      try {
        thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        throw new AssertionError("the fleet still sends after " + timeout);
      }
    }
    return this;
  }

  /** The {@code jobId}s (equal to the event ids sent) that some pod answered 202. */
  public Set<String> acknowledged() {
    return Collections.unmodifiableSet(acknowledged);
  }

  public int acknowledgedBy(String pod) {
    AtomicInteger count = acknowledgedBy.get(pod);
    return count == null ? 0 : count.get();
  }

  public List<Answer> answers() {
    return new ArrayList<>(answers);
  }

  /** Items of a 202 batch that were refused one by one (none expected here). */
  public List<String> refusedItems() {
    return new ArrayList<>(refusedItems);
  }

  /** Events handed out to batches so far. */
  public int sent() {
    return Math.min(nextEvent.get(), totalEvents);
  }

  /** Milliseconds since the fleet started, the clock of {@link Answer#atMillis()}. */
  public long clock() {
    return System.currentTimeMillis() - started;
  }

  private void sendUntil(long deadline) {
    while (!stopping && System.nanoTime() < deadline) {
      int first = nextEvent.getAndAdd(batchSize);
      if (first >= totalEvents) {
        return;
      }
      List<String> ids = new ArrayList<>();
      for (int n = first; n < Math.min(first + batchSize, totalEvents); n++) {
        ids.add(prefix + "-" + n);
      }
      sendBatch(ids, batch(ids), deadline);
    }
  }

  private void sendBatch(List<String> ids, String body, long deadline) {
    while (System.nanoTime() < deadline) {
      List<Target> now = targets.stream()
          .filter(pod -> !draining.contains(pod.name())).toList();
      if (now.isEmpty()) {
        now = targets;
      }
      Target target = now.get(Math.floorMod(rotation.getAndIncrement(), now.size()));
      long sentAt = System.nanoTime();
      lastSent.set(clock());
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create(target.base() + "/v1/events/batch"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + apiKey)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        boolean retryAfter = response.headers().firstValue("Retry-After").isPresent();
        answers.add(new Answer(clock(), target.name(), response.statusCode(), retryAfter,
            (System.nanoTime() - sentAt) / 1_000_000, null));
        if (response.statusCode() == 202) {
          record(target, ids, new JsonObject(response.body()).getJsonArray("results"));
          return;
        }
        if (response.body().contains("\"shutting_down\"")) {
          draining.add(target.name());
        }
      } catch (IOException e) {
        answers.add(new Answer(clock(), target.name(), -1, false,
            (System.nanoTime() - sentAt) / 1_000_000,
            (e instanceof ConnectException ? "refused: " : "broken: ") + e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Api.sleep(100);
    }
  }

  private void record(Target target, List<String> ids, JsonArray results) {
    for (int i = 0; i < ids.size(); i++) {
      JsonObject result = results.getJsonObject(i);
      if (result.containsKey("id")) {
        acknowledged.add(ids.get(i));
        acknowledgedBy.computeIfAbsent(target.name(), pod -> new AtomicInteger())
            .incrementAndGet();
      } else {
        refusedItems.add(ids.get(i) + ": " + result.encode());
      }
    }
  }

  private static String batch(List<String> ids) {
    JsonArray events = new JsonArray();
    for (String id : ids) {
      events.add(Api.printSuccess(id).put("id", id));
    }
    return new JsonObject().put("events", events).encode();
  }
}
