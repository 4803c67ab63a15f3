package com.ouvitel.gateway.delivery;

import com.ouvitel.gateway.Bus;
import com.ouvitel.gateway.management.GatewayMetrics;
import com.ouvitel.gateway.store.Messages.CircuitChange;
import com.ouvitel.gateway.store.Messages.ClaimRequest;
import com.ouvitel.gateway.store.Messages.JobBatch;
import com.ouvitel.gateway.store.Messages.OpenCircuits;
import com.ouvitel.gateway.store.Messages.OutcomeBatch;
import com.ouvitel.gateway.store.Messages.StoppedWebhooks;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.net.TrustOptions;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends deliveries. Each host and port gets its own lane with a cap on attempts in flight,
 * and each endpoint URL its own circuit breaker, so one slow or broken endpoint never delays
 * the others. Outcomes go to persistence in batches; retries are scheduled by a timer that asks
 * persistence for due deliveries when the earliest one is due, and a regular poll picks up
 * the rest (other pods' orphans included).
 */
public final class DispatcherVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DispatcherVerticle.class);
  private static final long STOP_MEMORY_NANOS = 60_000_000_000L;
  /**
   * How long a stop made here counts even if the database does not list it: a refresh
   * read before the stop committed may answer after it.
   */
  private static final long RESUME_AFTER_NANOS = 3_000_000_000L;

  /** Settings of the dispatcher, from configuration. */
  public record Settings(
      Duration timeout, int endpointConcurrency, Duration keepAlive, int maxInFlight,
      int claimBatch, Duration pollInterval, int circuitFailureThreshold,
      Duration circuitCoolDown, String userAgent) {
  }

  private final Settings settings;
  private final RetryPolicy retryPolicy;
  private final DestinationGuard guard;
  private final TrustOptions trust;
  private final Clock clock;
  private final GatewayMetrics metrics;

  private final Map<String, Lane> lanes = new HashMap<>();
  /** Circuits by endpoint URL; only those with failures counted or open are kept. */
  private final Map<String, Circuit> circuits = new HashMap<>();
  /**
   * Circuits open or half-open in the database, any pod's, by URL: when their cool-down ends
   * (past for a half-open one, which holds nothing but is closed by a success here).
   */
  private Map<String, Instant> openElsewhere = new HashMap<>();
  private final Set<Lane> lanesWaiting = new LinkedHashSet<>();
  private final Map<String, Resolved> resolved = new HashMap<>();
  private final Map<String, DestinationGuard.Endpoint> endpoints = lruEndpoints();
  /** Webhooks deleted or disabled lately, with when (nanoTime): their jobs are dropped. */
  private final Map<String, Long> stoppedWebhooks = new HashMap<>();
  private final List<AttemptOutcome> unreported = new ArrayList<>();
  private EndpointClient client;
  private Signer signer;
  private int inFlight;
  private int queued;
  private boolean claiming;
  /** A wake-up came while a claim was under way: claim again once it ends. */
  private boolean claimAgain;
  /** False after a claim found fewer deliveries than it asked for. */
  private boolean moreDue = true;
  private boolean draining;
  private long pollTimer;
  private long wakeTimer = -1;
  private Instant wakeAt;
  private Promise<Void> drained;

  public DispatcherVerticle(Settings settings, RetryPolicy retryPolicy, DestinationGuard guard,
      TrustOptions trust, Clock clock, GatewayMetrics metrics) {
    this.settings = settings;
    this.retryPolicy = retryPolicy;
    this.guard = guard;
    this.trust = trust;
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    client = new EndpointClient(vertx, settings.timeout(), settings.endpointConcurrency(),
        settings.keepAlive(), trust);
    signer = new Signer();
    pollTimer = vertx.setPeriodic(settings.pollInterval().toMillis(), id -> claimDue());
    var bus = vertx.eventBus();
    return Future.all(
        bus.<JobBatch>consumer(Bus.DISPATCH, this::acceptJobs).completion(),
        bus.<String>consumer(Bus.WEBHOOK_STOPPED, this::stopWebhook).completion(),
        bus.<StoppedWebhooks>consumer(Bus.STOPPED_WEBHOOKS,
            message -> stoppedAnywhere(message.body().ids())).completion(),
        bus.<String>consumer(Bus.WEBHOOK_RESUMED,
            message -> stoppedWebhooks.remove(message.body())).completion(),
        bus.consumer(Bus.WAKE, message -> claimDue()).completion(),
        bus.<OpenCircuits>consumer(Bus.OPEN_CIRCUITS,
            message -> openElsewhere = message.body().openUntil()).completion());
  }

  /**
   * Stops taking work and waits, up to {@code patience}, for the attempts in flight; queued
   * deliveries are left to persistence, which releases their leases.
   */
  public Future<Void> drain(Duration patience) {
    draining = true;
    vertx.cancelTimer(pollTimer);
    if (wakeTimer >= 0) {
      vertx.cancelTimer(wakeTimer);
    }
    lanes.values().forEach(lane -> {
      queued -= lane.waiting.size();
      lane.waiting.clear();
    });
    lanesWaiting.clear();
    if (inFlight == 0) {
      return reportNow();
    }
    drained = Promise.promise();
    long timer = vertx.setTimer(patience.toMillis(), id -> drained.tryComplete());
    return drained.future().onComplete(done -> vertx.cancelTimer(timer))
        .compose(done -> reportNow());
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  /** The context the dispatcher runs on, for tests that hold its event loop. */
  public Context dispatchContext() {
    return context;
  }

  /** Attempts in flight and queued in this pod, for tests and health. */
  public int busy() {
    return inFlight + queued;
  }

  // ---- taking work ----

  private void acceptJobs(Message<JobBatch> message) {
    for (DeliveryJob job : message.body().jobs()) {
      submit(job);
    }
  }

  /**
   * Drops the queued jobs of a deleted or disabled webhook at once. Their deliveries are
   * cancelled in the database already; each is handed back as a deferral, which only gives
   * its lease back should it still be pending.
   */
  private void stopWebhook(Message<String> message) {
    dropQueued(message.body());
    message.reply(null);
  }

  /**
   * The webhooks any pod stopped in the last minute, as the database tells every second:
   * those stopped on another pod are dropped here too. A webhook stopped here more than two
   * refreshes ago that the database no longer lists was enabled again, on some pod.
   */
  private void stoppedAnywhere(Set<String> ids) {
    for (String webhookId : ids) {
      if (!stoppedWebhooks.containsKey(webhookId)) {
        dropQueued(webhookId);
      }
    }
    long now = System.nanoTime();
    stoppedWebhooks.entrySet().removeIf(stop -> !ids.contains(stop.getKey())
        && now - stop.getValue() > RESUME_AFTER_NANOS);
  }

  private void dropQueued(String webhookId) {
    stoppedWebhooks.put(webhookId, System.nanoTime());
    for (Lane lane : lanes.values()) {
      int before = lane.waiting.size();
      lane.waiting.removeIf(job -> {
        if (!job.webhookId().equals(webhookId)) {
          return false;
        }
        drop(job);
        return true;
      });
      queued -= before - lane.waiting.size();
    }
  }

  /**
   * True for a webhook stopped in the last minute: long enough for jobs claimed or fanned
   * out just before the stop to arrive, short enough that a webhook enabled again on another
   * pod is not kept waiting.
   */
  private boolean stopped(String webhookId) {
    Long at = stoppedWebhooks.get(webhookId);
    if (at == null) {
      return false;
    }
    if (System.nanoTime() - at > STOP_MEMORY_NANOS) {
      stoppedWebhooks.remove(webhookId);
      return false;
    }
    return true;
  }

  private void drop(DeliveryJob job) {
    report(AttemptOutcome.deferral(job, clock.instant().plusSeconds(5)));
  }

  private void claimDue() {
    int room = settings.maxInFlight() - inFlight - queued;
    if (claiming) {
      claimAgain = true;
      return;
    }
    if (draining || room <= 0) {
      return;
    }
    claiming = true;
    claimAgain = false;
    // The claimed jobs come through DISPATCH; the reply only says how many there were.
    int limit = Math.min(room, settings.claimBatch());
    vertx.eventBus().<Integer>request(Bus.CLAIM_DUE, new ClaimRequest(limit))
        .onComplete(reply -> {
          claiming = false;
          // A full batch: more may be due right now. Fewer: nothing more was due, and until
          // the next poll or wake-up a finished attempt need not ask again.
          moreDue = reply.failed() || reply.result().body() == limit;
          if (reply.succeeded() && (moreDue || claimAgain)) {
            vertx.runOnContext(v -> claimDue());
          }
        });
  }

  /** Asks for due deliveries when the earliest scheduled retry is due. */
  private void wakeAt(Instant due) {
    if (draining || (wakeAt != null && !due.isBefore(wakeAt))) {
      return;
    }
    if (wakeTimer >= 0) {
      vertx.cancelTimer(wakeTimer);
    }
    wakeAt = due;
    long delay = Math.max(1, Duration.between(clock.instant(), due).toMillis() + 5);
    wakeTimer = vertx.setTimer(delay, id -> {
      wakeTimer = -1;
      wakeAt = null;
      claimDue();
    });
  }

  private void submit(DeliveryJob job) {
    if (draining) {
      return;
    }
    if (stopped(job.webhookId())) {
      drop(job);
      return;
    }
    DestinationGuard.Endpoint endpoint;
    try {
      endpoint = endpoint(job.url());
    } catch (DestinationGuard.RefusedDestination refused) {
      finish(job, clock.instant(), 0,
          AttemptReport.failure(AttemptResult.BLOCKED_DESTINATION, refused.getMessage()));
      return;
    }
    Lane lane = lanes.computeIfAbsent(endpoint.origin(), Lane::new);
    Instant held = heldUntil(job.url(), clock.instant());
    if (held != null) {
      report(AttemptOutcome.deferral(job, held));
      return;
    }
    if (lane.inFlight < settings.endpointConcurrency() && inFlight < settings.maxInFlight()
        && lane.waiting.isEmpty()) {
      start(lane, endpoint, job);
    } else {
      lane.waiting.add(job);
      lanesWaiting.add(lane);
      queued++;
    }
  }

  // ---- one attempt ----

  private void start(Lane lane, DestinationGuard.Endpoint endpoint, DeliveryJob job) {
    lane.inFlight++;
    inFlight++;
    Circuit circuit = circuits.get(job.url());
    if (circuit != null) {
      circuit.attemptStarted();
    }
    Instant startedAt = clock.instant();
    long started = System.nanoTime();
    client.send(endpoint, addresses(endpoint), headers(job, startedAt),
            Buffer.buffer(job.body().getBytes(StandardCharsets.UTF_8)))
        .onComplete(done -> {
          lane.inFlight--;
          inFlight--;
          int durationMs = (int) ((System.nanoTime() - started) / 1_000_000);
          AttemptReport report = done.result();
          updateCircuit(job, lane, report.result());
          finish(job, startedAt, durationMs, report);
          startNext(lane);
        });
  }

  /**
   * Signs an attempt at the moment it is sent. A job holds the secrets read when it was
   * claimed: if the secret is rotated while a claimed job still waits in its lane, that
   * attempt is signed with the old secret alone. Receivers that know the old secret verify
   * it, which is why the README asks them to accept either secret during the overlap.
   */
  private MultiMap headers(DeliveryJob job, Instant sentAt) {
    byte[] body = job.body().getBytes(StandardCharsets.UTF_8);
    long timestamp = sentAt.getEpochSecond();
    String standard = signer.standardSignature(job.secret(), job.deliveryId(), timestamp,
        body);
    if (job.previousSecret() != null && job.previousSecretExpiresAt() != null
        && sentAt.isBefore(job.previousSecretExpiresAt())) {
      standard = standard + " " + signer.standardSignature(job.previousSecret(),
          job.deliveryId(), timestamp, body);
    }
    return MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/json")
        .add("User-Agent", settings.userAgent())
        .add("X-Ouvitel-Signature", signer.ouvitelSignature(job.secret(), body))
        .add("X-Ouvitel-Event", job.event())
        .add("X-Ouvitel-Delivery", job.deliveryId())
        .add("X-Ouvitel-Attempt", Integer.toString(job.attempt()))
        .add("X-Ouvitel-Timestamp", Long.toString(timestamp))
        .add("webhook-id", job.deliveryId())
        .add("webhook-timestamp", Long.toString(timestamp))
        .add("webhook-signature", standard);
  }

  /**
   * The endpoint's checked address, resolving (off the event loop) at most once per the
   * guard's reuse time. Fails with the guard's refusal when an address is not allowed.
   */
  private Future<InetAddress> addresses(DestinationGuard.Endpoint endpoint) {
    Resolved known = resolved.get(endpoint.host());
    long now = System.nanoTime();
    if (known != null && known.expiresAt > now) {
      return known.result;
    }
    Future<InetAddress> result = vertx.executeBlocking(
        () -> guard.resolve(endpoint).get(0), false);
    long reuse = guard.resolutionReuse().toNanos();
    if (resolved.size() > 10_000) {
      resolved.clear();
    }
    if (reuse > 0) {
      resolved.put(endpoint.host(), new Resolved(result, now + reuse));
    }
    return result;
  }

  private void finish(DeliveryJob job, Instant startedAt, int durationMs,
      AttemptReport report) {
    metrics.attempt(job.event(), report.result(), durationMs);
    String status;
    Instant next = null;
    String disableReason = null;
    if (report.result() == AttemptResult.SUCCESS) {
      status = "succeeded";
      metrics.deliveryLag(Duration.between(job.createdAt(), clock.instant()));
    } else if (report.statusCode() != null && report.statusCode() == 410) {
      status = "failed";
      disableReason = "endpoint answered 410 Gone";
    } else {
      Duration delay = retryPolicy.delayAfter(job.attempt(), report.retryAfter());
      status = delay == null ? "failed" : "pending";
      next = delay == null ? null : startedAt.plusMillis(durationMs).plus(delay);
    }
    if (!status.equals("pending")) {
      metrics.deliveryEnded(job.event(), status);
    }
    if (status.equals("failed")) {
      LOG.info("Delivery {} of webhook {} failed after {} attempts; the last one ended {} ({})",
          job.deliveryId(), job.webhookId(), job.attempt(), report.result().label(),
          report.statusCode() == null ? report.error() : report.statusCode());
    }
    LOG.debug("Delivery {} of webhook {}: attempt {} ended {} ({}), delivery now {}",
        job.deliveryId(), job.webhookId(), job.attempt(), report.result().label(),
        report.statusCode(), status);
    if (disableReason != null) {
      stoppedWebhooks.put(job.webhookId(), System.nanoTime());
      LOG.info("Webhook {} answered 410 Gone to delivery {}: it is disabled and its pending "
          + "deliveries are cancelled", job.webhookId(), job.deliveryId());
    }
    report(new AttemptOutcome(job.deliveryId(), job.createdAt(), job.webhookId(), job.event(),
        job.attempt(), startedAt, durationMs, report.result(), report.statusCode(),
        report.responseSnippet(), report.error(), status, next, disableReason));
    if (next != null) {
      wakeAt(next);
    }
  }

  private void report(AttemptOutcome outcome) {
    unreported.add(outcome);
    if (unreported.size() == 1) {
      // Outcomes of the same event-loop turn travel together.
      vertx.runOnContext(v -> reportNow());
    }
  }

  private Future<Void> reportNow() {
    if (unreported.isEmpty()) {
      return Future.succeededFuture();
    }
    List<AttemptOutcome> batch = new ArrayList<>(unreported);
    unreported.clear();
    if (!draining) {
      vertx.eventBus().send(Bus.RECORD_OUTCOMES, new OutcomeBatch(batch));
      return Future.succeededFuture();
    }
    // While draining, wait until persistence holds them, so that its stop writes them.
    return vertx.eventBus().request(Bus.RECORD_OUTCOMES, new OutcomeBatch(batch)).mapEmpty();
  }

  // ---- lanes: per-host concurrency; circuits: per-URL failures ----

  private void startNext(Lane lane) {
    if (draining) {
      if (inFlight == 0 && drained != null) {
        drained.tryComplete();
      }
      return;
    }
    pull(lane);
    if (inFlight < settings.maxInFlight() && !lanesWaiting.isEmpty()) {
      for (Lane other : new ArrayList<>(lanesWaiting)) {
        pull(other);
        if (inFlight >= settings.maxInFlight()) {
          break;
        }
      }
    }
    if (moreDue && queued + inFlight < settings.maxInFlight() / 2) {
      claimDue();
    }
  }

  private void pull(Lane lane) {
    while (!lane.waiting.isEmpty() && lane.inFlight < settings.endpointConcurrency()
        && inFlight < settings.maxInFlight()) {
      DeliveryJob job = lane.waiting.poll();
      queued--;
      if (stopped(job.webhookId())) {
        drop(job);
        continue;
      }
      Instant now = clock.instant();
      Instant held = heldUntil(job.url(), now);
      if (held != null) {
        report(AttemptOutcome.deferral(job, held));
        continue;
      }
      try {
        start(lane, endpoint(job.url()), job);
      } catch (DestinationGuard.RefusedDestination refused) {
        finish(job, now, 0,
            AttemptReport.failure(AttemptResult.BLOCKED_DESTINATION, refused.getMessage()));
      }
    }
    if (lane.waiting.isEmpty()) {
      lanesWaiting.remove(lane);
    }
  }

  /**
   * Moves the circuit of the job's URL on. The log names the webhook and the host, never the
   * URL: customers put tokens in their hook URLs.
   */
  private void updateCircuit(DeliveryJob job, Lane lane, AttemptResult result) {
    boolean endpointFault = result == AttemptResult.TIMEOUT
        || result == AttemptResult.CONNECTION_ERROR || result == AttemptResult.TLS_ERROR
        || result == AttemptResult.HTTP_ERROR;
    Circuit circuit = circuits.get(job.url());
    if (circuit == null) {
      if (!endpointFault) {
        forgetOpenElsewhere(job.url());
        return;
      }
      circuit = new Circuit(settings.circuitFailureThreshold(), settings.circuitCoolDown());
      circuits.put(job.url(), circuit);
    }
    Circuit.Change change = circuit.record(endpointFault, clock.instant());
    if (change == Circuit.Change.OPENED) {
      LOG.warn("The endpoint of webhook {} on {} failed {} attempts in a row: its circuit is "
          + "open, its deliveries wait until {} without spending attempts", job.webhookId(),
          lane.origin, circuit.failuresInARow(), circuit.openUntil());
    } else if (change == Circuit.Change.CLOSED) {
      LOG.info("The endpoint of webhook {} on {} answered again: its circuit is closed",
          job.webhookId(), lane.origin);
      openElsewhere.remove(job.url());
    }
    if (circuit.isIdle()) {
      circuits.remove(job.url());
    }
    if (change != Circuit.Change.NONE) {
      metrics.circuitsOpen(circuits.values().stream().filter(Circuit::isOpen).count());
      vertx.eventBus().send(Bus.CIRCUIT_CHANGED, new CircuitChange(job.url(),
          circuit.openedAt(), circuit.openUntil(), circuit.failuresInARow(), clock.instant()));
    } else if (!endpointFault) {
      forgetOpenElsewhere(job.url());
    }
  }

  /**
   * Until when deliveries to the URL wait, or null: this pod's circuit, or one that another
   * pod (or this pod before a restart) opened and wrote down. A held delivery is due again
   * after the cool-down, spread over up to 5 s.
   */
  private Instant heldUntil(String url, Instant now) {
    Circuit circuit = circuits.get(url);
    if (circuit != null && circuit.holds(now)) {
      return circuit.reopening(now, Math.random());
    }
    Instant shared = openElsewhere.get(url);
    if (shared == null || !shared.isAfter(now)) {
      return null;
    }
    long spread = Math.min(5000, settings.circuitCoolDown().toMillis());
    return shared.plusMillis((long) (Math.random() * spread));
  }

  /** The endpoint answered on this pod: a circuit written down for it is closed. */
  private void forgetOpenElsewhere(String url) {
    if (openElsewhere.remove(url) != null) {
      vertx.eventBus().send(Bus.CIRCUIT_CHANGED,
          new CircuitChange(url, null, null, 0, clock.instant()));
    }
  }

  private DestinationGuard.Endpoint endpoint(String url)
      throws DestinationGuard.RefusedDestination {
    DestinationGuard.Endpoint endpoint = endpoints.get(url);
    if (endpoint == null) {
      endpoint = guard.checkUrl(url);
      endpoints.put(url, endpoint);
    }
    return endpoint;
  }

  private static Map<String, DestinationGuard.Endpoint> lruEndpoints() {
    return new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, DestinationGuard.Endpoint> e) {
        return size() > 10_000;
      }
    };
  }

  /** The deliveries to one host and port: those in flight and those waiting for a slot. */
  private static final class Lane {
    final String origin;
    final ArrayDeque<DeliveryJob> waiting = new ArrayDeque<>();
    int inFlight;

    Lane(String origin) {
      this.origin = origin;
    }
  }

  private record Resolved(Future<InetAddress> result, long expiresAt) {
  }
}
