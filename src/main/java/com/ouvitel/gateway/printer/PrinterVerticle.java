package com.ouvitel.gateway.printer;

import com.ouvitel.gateway.Bus;
import com.ouvitel.gateway.config.GatewayConfig;
import com.ouvitel.gateway.delivery.DeliveryJob;
import com.ouvitel.gateway.management.GatewayMetrics;
import com.ouvitel.gateway.store.Messages.JobBatch;
import com.ouvitel.gateway.store.PrinterKey;
import com.ouvitel.gateway.store.PrinterStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Printer heartbeats and offline detection for one gateway process.
 *
 * <p>Heartbeats are group-committed: those that arrive while the writes are under way are
 * coalesced in memory (one entry per printer, its latest time) and go together in the next
 * write, a single transaction however many requests and printers it holds. A heartbeat is
 * acknowledged only after the write that holds it has committed.
 *
 * <p>A periodic sweep takes silent printers offline. Every pod sweeps; the flip of a printer
 * and its printer.offline event are one transaction that skips rows another pod holds, so a
 * transition is raised exactly once however many pods run.
 */
public final class PrinterVerticle extends VerticleBase {

  /** Heartbeats of one request: printers of one account, seen at one time. */
  public record HeartbeatBatch(String accountId, List<String> tokens, Instant seenAt) {
  }

  /** Settings of heartbeats and offline detection, from configuration. */
  public record Settings(Duration offlineAfter, Duration sweepInterval, int sweepBatch,
      int maxPendingHeartbeats, Duration lease) {

    public static Settings from(GatewayConfig config) {
      return new Settings(config.duration("printer_offline_after"),
          config.duration("printer_sweep_interval"), config.integer("printer_sweep_batch"),
          config.integer("printer_max_pending_heartbeats"),
          config.duration("lease_duration"));
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(PrinterVerticle.class);
  /**
   * Heartbeat writes under way at once. More than one keeps the database busy while a write
   * waits on its round trips; overlapping printers wait on each other's row locks, taken in
   * key order.
   */
  private static final int MAX_WRITES_IN_FLIGHT = 4;

  private final Settings settings;
  private final PrinterStore store;
  private final String podId;
  private final GatewayMetrics metrics;

  private TreeMap<PrinterKey, Instant> pending = new TreeMap<>();
  private List<Message<HeartbeatBatch>> waiting = new ArrayList<>();
  private int writesInFlight;
  private boolean sweeping;
  private boolean stopping;
  private long sweepTimer;
  private Promise<Void> written;

  public PrinterVerticle(Settings settings, PrinterStore store, String podId,
      GatewayMetrics metrics) {
    this.settings = settings;
    this.store = store;
    this.podId = podId;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    Bus.registerCodecs(vertx, List.of(HeartbeatBatch.class));
    sweepTimer = vertx.setPeriodic(settings.sweepInterval().toMillis(), id -> sweep());
    return vertx.eventBus().<HeartbeatBatch>consumer(Bus.HEARTBEATS, this::queueHeartbeats)
        .completion();
  }

  /** Stops sweeping and writes the heartbeats still waiting, so each gets its answer. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(sweepTimer);
    if (writesInFlight == 0) {
      return Future.succeededFuture();
    }
    written = Promise.promise();
    return written.future();
  }

  // ---- heartbeats: coalesced group commit ----

  private void queueHeartbeats(Message<HeartbeatBatch> message) {
    HeartbeatBatch batch = message.body();
    if (pending.size() + batch.tokens().size() > settings.maxPendingHeartbeats()) {
      message.fail(503, "too many heartbeats waiting for their write");
      return;
    }
    for (String token : batch.tokens()) {
      pending.merge(new PrinterKey(batch.accountId(), token), batch.seenAt(),
          (earlier, later) -> later.isAfter(earlier) ? later : earlier);
    }
    waiting.add(message);
    metrics.heartbeatsReceived(batch.tokens().size());
    if (writesInFlight < MAX_WRITES_IN_FLIGHT) {
      writeHeartbeats();
    }
  }

  private void writeHeartbeats() {
    if (pending.isEmpty()) {
      if (writesInFlight == 0 && written != null) {
        written.tryComplete();
      }
      return;
    }
    writesInFlight++;
    TreeMap<PrinterKey, Instant> beats = pending;
    List<Message<HeartbeatBatch>> answers = waiting;
    pending = new TreeMap<>();
    waiting = new ArrayList<>();
    metrics.heartbeatWriteSize().record(beats.size());
    store.recordHeartbeats(beats, podId, settings.lease()).onComplete(done -> {
      writesInFlight--;
      if (done.succeeded()) {
        answers.forEach(message -> message.reply(null));
        raised("printer.online", done.result());
      } else {
        LOG.warn("Could not write heartbeats of {} printers ({} requests): {}; they were "
            + "answered 503 and nothing of them was acknowledged", beats.size(),
            answers.size(), done.cause().getMessage());
        answers.forEach(message -> message.fail(503, "database unavailable"));
      }
      writeHeartbeats();
    });
  }

  // ---- offline detection ----

  private void sweep() {
    if (sweeping || stopping) {
      return;
    }
    sweeping = true;
    store.sweepSilent(settings.offlineAfter(), settings.sweepBatch(), podId, settings.lease())
        .onComplete(done -> {
          sweeping = false;
          if (done.failed()) {
            LOG.warn("The offline sweep of pod {} failed: {}; no printer changed state, the "
                + "next sweep in {} tries again", podId, done.cause().getMessage(),
                settings.sweepInterval());
            return;
          }
          raised("printer.offline", done.result());
          if (done.result().events() == settings.sweepBatch()) {
            vertx.runOnContext(v -> sweep());
          }
        });
  }

  private void raised(String event, PrinterStore.Raised raised) {
    if (raised.events() == 0) {
      return;
    }
    metrics.printerTransitions(event, raised.events());
    LOG.info("Raised {} {} events with {} deliveries (pod {})", raised.events(), event,
        raised.jobs().size(), podId);
    List<DeliveryJob> jobs = raised.jobs();
    if (!jobs.isEmpty()) {
      vertx.eventBus().send(Bus.DISPATCH, new JobBatch(jobs));
    }
  }
}
