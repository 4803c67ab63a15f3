package com.ouvitel.gateway.store;

import com.ouvitel.gateway.Bus;
import com.ouvitel.gateway.delivery.AttemptOutcome;
import com.ouvitel.gateway.delivery.DeliveryJob;
import com.ouvitel.gateway.management.GatewayMetrics;
import com.ouvitel.gateway.store.Messages.AcceptedEvent;
import com.ouvitel.gateway.store.Messages.CircuitChange;
import com.ouvitel.gateway.store.Messages.ClaimRequest;
import com.ouvitel.gateway.store.Messages.IngestReply;
import com.ouvitel.gateway.store.Messages.IngestRequest;
import com.ouvitel.gateway.store.Messages.JobBatch;
import com.ouvitel.gateway.store.Messages.OpenCircuits;
import com.ouvitel.gateway.store.Messages.OutcomeBatch;
import com.ouvitel.gateway.store.Messages.StoredEvent;
import com.ouvitel.gateway.store.Messages.StoppedWebhooks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the delivery pipeline to PostgreSQL. Requests that arrive while the allowed number
 * of ingest commits is under way wait and go together in the next one (group commit), so the
 * number of transactions stays low however many requests come in, while PostgreSQL flushes
 * the WAL of the commits in flight together. Ingest is acknowledged only after its commit;
 * attempt outcomes that cannot be written yet are kept and written when PostgreSQL answers
 * again.
 */
public final class PersistenceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PersistenceVerticle.class);
  private static final int MAX_EVENTS_PER_COMMIT = 4000;
  private static final int MAX_OUTCOMES_PER_COMMIT = 4000;
  /** How long outcomes wait to be written with those that follow, unless there are enough. */
  private static final long OUTCOME_LINGER_MILLIS = 20;
  private static final int OUTCOME_LINGER_ENOUGH = 500;
  /** Longest wait for one batch of outcomes to be written before it is tried again. */
  private static final long OUTCOME_WRITE_SECONDS = 30;
  private static final Duration BACKLOG_INTERVAL = Duration.ofSeconds(5);
  /**
   * How often the dispatcher learns what any pod wrote down for it: the circuits open and
   * the webhooks stopped.
   */
  private static final Duration SHARED_STATE_REFRESH = Duration.ofSeconds(1);
  /** How long after a disable or delete the dispatchers of every pod hear of it. */
  private static final Duration STOPS_SHARED_FOR = Duration.ofMinutes(1);
  /** How often claims also look for deliveries whose lease ran out. */
  private static final Duration EXPIRED_LEASE_CHECK = Duration.ofSeconds(1);
  /** When a delivery whose outcome PostgreSQL cannot store at all is attempted again. */
  private static final Duration REFUSED_OUTCOME_RETRY = Duration.ofMinutes(1);
  /** How long a stopping pod keeps trying to write the outcomes it still holds. */
  private static final long STOP_FLUSH_MILLIS = 5000;

  private final Pool pool;
  private final Clock clock;
  private final String podId;
  private final Duration lease;
  private final Duration commitTimeout;
  private final int commitsInFlight;
  private final boolean handOff;
  private final GatewayMetrics metrics;
  private final BacklogReporter backlog;
  private final CircuitStore circuits;

  private final ArrayDeque<Queued> ingestQueue = new ArrayDeque<>();
  private final ArrayDeque<AttemptOutcome> outcomeQueue = new ArrayDeque<>();
  private int ingestCommits;
  private boolean outcomesBusy;
  private long outcomeRetryTimer = -1;
  private long outcomeLingerTimer = -1;
  private long leaseTimer;
  private long backlogTimer;
  private long sharedStateTimer;
  private Instant nextExpiredLeaseCheck = Instant.MIN;

  /**
   * @param commitTimeout how long ingest waits for its commit before it answers 503; a commit
   *     that lands later still dispatches its deliveries (they were never acknowledged)
   * @param commitsInFlight ingest group commits under way at once (at least 1)
   * @param handOff whether the deliveries of accepted events go to this pod's dispatcher
   *     in memory, leased from their insert; otherwise they are stored unleased and the
   *     dispatcher is woken to claim them from the queue in PostgreSQL
   */
  public PersistenceVerticle(Pool pool, Clock clock, String podId, Duration lease,
      Duration commitTimeout, int commitsInFlight, boolean handOff, GatewayMetrics metrics) {
    this.pool = pool;
    this.clock = clock;
    this.podId = podId;
    this.lease = lease;
    this.commitTimeout = commitTimeout;
    this.commitsInFlight = Math.max(1, commitsInFlight);
    this.handOff = handOff;
    this.metrics = metrics;
    this.backlog = new BacklogReporter(pool, clock, podId, BACKLOG_INTERVAL.multipliedBy(3),
        metrics);
    this.circuits = new CircuitStore(pool);
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    leaseTimer = vertx.setPeriodic(lease.toMillis() / 3, id -> renewLeases());
    backlogTimer = vertx.setPeriodic(100, BACKLOG_INTERVAL.toMillis(),
        id -> backlog.measure());
    sharedStateTimer = vertx.setPeriodic(1, SHARED_STATE_REFRESH.toMillis(), id -> {
      shareOpenCircuits();
      shareStoppedWebhooks();
    });
    return Future.all(
        bus.<IngestRequest>consumer(Bus.STORE_EVENTS, this::queueIngest).completion(),
        bus.<OutcomeBatch>consumer(Bus.RECORD_OUTCOMES, this::queueOutcomes).completion(),
        bus.<ClaimRequest>consumer(Bus.CLAIM_DUE, this::claimDue).completion(),
        bus.<CircuitChange>consumer(Bus.CIRCUIT_CHANGED,
            message -> circuits.record(message.body())).completion());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(leaseTimer);
    vertx.cancelTimer(backlogTimer);
    vertx.cancelTimer(sharedStateTimer);
    return writeRemainingOutcomes(System.nanoTime() + STOP_FLUSH_MILLIS * 1_000_000)
        .transform(ignored -> backlog.giveUp().transform(done -> releaseLeases()));
  }

  /**
   * Writes every outcome still held before the leases go back: an attempt made but not
   * recorded would be made again by another pod. Gives up at the deadline (PostgreSQL
   * unreachable); those deliveries are then attempted again, at least once as promised.
   */
  private Future<Void> writeRemainingOutcomes(long deadline) {
    if (outcomeQueue.isEmpty() && !outcomesBusy) {
      return Future.succeededFuture();
    }
    if (System.nanoTime() > deadline) {
      LOG.warn("Pod {} stops with {} attempt outcomes unwritten; their deliveries will be "
          + "attempted again by another pod", podId, outcomeQueue.size());
      return Future.succeededFuture();
    }
    if (!outcomesBusy && outcomeRetryTimer < 0) {
      flushOutcomes();
    }
    return vertx.timer(20, TimeUnit.MILLISECONDS)
        .compose(v -> writeRemainingOutcomes(deadline));
  }

  /** Gives back this pod's leases; deliveries not yet attempted go to other pods. */
  public Future<Integer> releaseLeases() {
    return pool.preparedQuery(PipelineSql.RELEASE_LEASES).execute(Tuple.of(podId))
        .map(rows -> rows.rowCount())
        .onSuccess(count -> {
          if (count > 0) {
            LOG.info("Released {} delivery leases of pod {} to the other pods", count, podId);
          }
        })
        .onFailure(error -> LOG.warn("Could not release the leases of pod {}: {}; they "
            + "expire within {} and other pods take them then", podId, error.getMessage(),
            lease));
  }

  // ---- ingest: group commit ----

  private void queueIngest(Message<IngestRequest> message) {
    ingestQueue.add(new Queued(message, System.nanoTime()));
    if (ingestCommits < commitsInFlight) {
      flushIngest();
    }
  }

  /** Starts the next group commit with what waits; called with a commit slot free. */
  private void flushIngest() {
    List<Message<IngestRequest>> group = new ArrayList<>();
    int events = 0;
    long started = System.nanoTime();
    while (!ingestQueue.isEmpty() && events < MAX_EVENTS_PER_COMMIT) {
      Queued queued = ingestQueue.poll();
      Message<IngestRequest> next = queued.message();
      metrics.ingestCommitWait(started - queued.nanoTime());
      group.add(next);
      events += next.body().events().size();
    }
    if (group.isEmpty()) {
      return;
    }
    ingestCommits++;
    metrics.ingestBatchSize().record(events);
    List<AcceptedEvent> all = new ArrayList<>(events);
    group.forEach(message -> all.addAll(message.body().events()));
    IngestCommit commit = new IngestCommit(all);
    Future<Void> committed = commit.write();
    committed.onComplete(done -> metrics.ingestCommit(System.nanoTime() - started));
    committed.onSuccess(v -> handOver(commit.jobs));
    committed.timeout(commitTimeout.toMillis(), TimeUnit.MILLISECONDS).onComplete(done -> {
      if (done.succeeded()) {
        answerIngest(group, commit);
      } else if (group.size() > 1 && isRefusedValue(done.cause())) {
        LOG.warn("PostgreSQL refused a value in a group commit of {} requests ({}); each "
            + "request is committed alone so that only the faulty one is refused",
            group.size(), sqlState(done.cause()));
        commitEachAlone(group, 0);
        return;
      } else {
        refuse(group, done.cause());
      }
      commitEnded();
    });
  }

  private void commitEnded() {
    ingestCommits--;
    flushIngest();
  }

  /**
   * Commits the requests of a refused group one at a time, then goes on with the queue: one
   * request holding a value PostgreSQL cannot store fails alone, not with its neighbours.
   */
  private void commitEachAlone(List<Message<IngestRequest>> group, int next) {
    if (next == group.size()) {
      commitEnded();
      return;
    }
    Message<IngestRequest> message = group.get(next);
    IngestCommit commit = new IngestCommit(message.body().events());
    Future<Void> committed = pool.withTransaction(commit::run);
    committed.onSuccess(v -> handOver(commit.jobs));
    committed.timeout(commitTimeout.toMillis(), TimeUnit.MILLISECONDS).onComplete(done -> {
      if (done.succeeded()) {
        answerIngest(List.of(message), commit);
      } else {
        refuse(List.of(message), done.cause());
      }
      commitEachAlone(group, next + 1);
    });
  }

  private void refuse(List<Message<IngestRequest>> group, Throwable cause) {
    if (isRefusedValue(cause)) {
      LOG.warn("PostgreSQL refused a value of an ingest request ({}); it was answered 400 "
          + "and nothing of it was stored", sqlState(cause));
      group.forEach(message -> message.fail(Messages.UNSTORABLE_VALUE,
          "PostgreSQL cannot store a value of this request (SQLSTATE " + sqlState(cause)
              + ")"));
      return;
    }
    int events = group.stream().mapToInt(message -> message.body().events().size()).sum();
    LOG.warn("Could not store {} events ({} requests): {}; they were refused with 503 "
        + "and nothing of them was acknowledged", events, group.size(), cause.getMessage());
    group.forEach(message -> message.fail(503, "database unavailable"));
  }

  /** A data exception or a broken constraint: the input's fault, retrying cannot help. */
  static boolean isRefusedValue(Throwable cause) {
    String state = sqlState(cause);
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  private static String sqlState(Throwable cause) {
    return cause instanceof PgException ? ((PgException) cause).getSqlState() : null;
  }

  private void answerIngest(List<Message<IngestRequest>> group, IngestCommit commit) {
    int index = 0;
    for (Message<IngestRequest> message : group) {
      int size = message.body().events().size();
      message.reply(new IngestReply(commit.results.subList(index, index + size)));
      index += size;
    }
  }

  /**
   * Gives the new deliveries of a commit to the dispatcher: handed off, or, when they were
   * stored unleased, as a wake-up that makes it claim them.
   */
  private void handOver(List<DeliveryJob> jobs) {
    if (handOff) {
      dispatch(jobs);
    } else if (!jobs.isEmpty()) {
      vertx.eventBus().send(Bus.WAKE, null);
    }
  }

  private void dispatch(List<DeliveryJob> jobs) {
    if (!jobs.isEmpty()) {
      vertx.eventBus().send(Bus.DISPATCH, new JobBatch(jobs));
    }
  }

  /** An ingest request waiting for a group commit, and when it began to wait. */
  private record Queued(Message<IngestRequest> message, long nanoTime) {
  }

  /** One group commit: idempotency keys, events, fan-out, in one transaction. */
  private final class IngestCommit {
    final List<AcceptedEvent> events;
    final List<StoredEvent> results;
    final List<DeliveryJob> jobs = new ArrayList<>();
    /** Events written now, by their position in {@link #events}. */
    final List<Integer> fresh = new ArrayList<>();
    /** For a repeated key within this commit: the position of its first use. */
    final Map<Integer, Integer> repeatOf = new HashMap<>();
    /** For a key used before this commit: the request hash of that earlier use. */
    final Map<Integer, byte[]> earlierHash = new HashMap<>();

    IngestCommit(List<AcceptedEvent> events) {
      this.events = events;
      this.results = new ArrayList<>(events.size());
    }

    /**
     * Writes the group. Without idempotency keys and without printer transitions (which
     * read and move printer state first) that is the fan-out statement alone, atomic by
     * itself, so it runs outside a transaction block: one round trip, not three (BEGIN, the
     * statement, COMMIT).
     */
    Future<Void> write() {
      for (AcceptedEvent event : events) {
        if (event.idempotencyKey() != null || event.event().startsWith("printer.")) {
          return pool.withTransaction(this::run);
        }
      }
      return pool.withConnection(this::run);
    }

    Future<Void> run(SqlConnection connection) {
      results.clear();
      jobs.clear();
      fresh.clear();
      repeatOf.clear();
      earlierHash.clear();
      for (int i = 0; i < events.size(); i++) {
        results.add(null);
      }
      return reserveKeys(connection)
          .compose(earlier -> storeEvents(connection))
          .compose(counts -> countKeyDeliveries(connection, counts));
    }

    private Future<Void> reserveKeys(SqlConnection connection) {
      Map<String, Integer> firstUse = new HashMap<>();
      List<Integer> keyed = new ArrayList<>();
      for (int i = 0; i < events.size(); i++) {
        AcceptedEvent event = events.get(i);
        if (event.idempotencyKey() == null) {
          fresh.add(i);
          continue;
        }
        Integer first = firstUse.putIfAbsent(
            event.accountId() + "\u0000" + event.idempotencyKey(), i);
        if (first != null) {
          repeatOf.put(i, first);
        } else {
          keyed.add(i);
        }
      }
      if (keyed.isEmpty()) {
        return Future.succeededFuture();
      }
      // One order for every pod, so that two commits waiting on each other's keys never
      // deadlock.
      keyed.sort(Comparator.comparing((Integer i) -> events.get(i).accountId())
          .thenComparing(i -> events.get(i).idempotencyKey()));
      int n = keyed.size();
      String[] accounts = new String[n];
      String[] keys = new String[n];
      Buffer[] hashes = new Buffer[n];
      String[] ids = new String[n];
      Integer[] zeros = new Integer[n];
      OffsetDateTime[] times = new OffsetDateTime[n];
      for (int k = 0; k < n; k++) {
        AcceptedEvent event = events.get(keyed.get(k));
        accounts[k] = event.accountId();
        keys[k] = event.idempotencyKey();
        hashes[k] = Buffer.buffer(event.requestHash());
        ids[k] = event.id();
        zeros[k] = 0;
        times[k] = utc(event.createdAt());
      }
      return connection.preparedQuery(PipelineSql.RESERVE_KEYS)
          .execute(Tuple.of(accounts, keys, hashes, ids, zeros, times))
          .compose(reserved -> {
            Map<String, Boolean> won = new HashMap<>();
            for (Row row : reserved) {
              won.put(row.getString(0) + "\u0000" + row.getString(1), true);
            }
            List<Integer> lost = new ArrayList<>();
            for (int position : keyed) {
              AcceptedEvent event = events.get(position);
              if (won.containsKey(event.accountId() + "\u0000" + event.idempotencyKey())) {
                fresh.add(position);
              } else {
                lost.add(position);
              }
            }
            return answerEarlierKeys(connection, lost);
          });
    }

    private Future<Void> answerEarlierKeys(SqlConnection connection, List<Integer> lost) {
      if (lost.isEmpty()) {
        return Future.succeededFuture();
      }
      String[] accounts = new String[lost.size()];
      String[] keys = new String[lost.size()];
      for (int k = 0; k < lost.size(); k++) {
        accounts[k] = events.get(lost.get(k)).accountId();
        keys[k] = events.get(lost.get(k)).idempotencyKey();
      }
      return connection.preparedQuery(PipelineSql.EARLIER_KEYS)
          .execute(Tuple.tuple(List.of(accounts, keys)))
          .map(rows -> {
            Map<String, Row> earlier = new HashMap<>();
            for (Row row : rows) {
              earlier.put(row.getString("account_id") + "\u0000" + row.getString("key"), row);
            }
            for (int position : lost) {
              AcceptedEvent event = events.get(position);
              Row row = earlier.get(event.accountId() + "\u0000" + event.idempotencyKey());
              byte[] stored = row.getBuffer("request_hash").getBytes();
              earlierHash.put(position, stored);
              boolean same = Arrays.equals(stored, event.requestHash());
              results.set(position, new StoredEvent(row.getString("event_id"),
                  row.getInteger("deliveries"), true, !same));
            }
            return null;
          });
    }

    /**
     * Stores the fresh events: a pushed printer transition that repeats the printer's state
     * is kept as a record only; every other event is fanned out to its webhooks.
     */
    private Future<Map<String, Integer>> storeEvents(SqlConnection connection) {
      Map<String, Integer> deliveriesByEvent = new HashMap<>();
      if (fresh.isEmpty()) {
        return Future.succeededFuture(deliveriesByEvent);
      }
      List<AcceptedEvent> arrived = new ArrayList<>();
      fresh.stream().sorted().forEach(position -> arrived.add(events.get(position)));
      String owner = handOff ? podId : null;
      OffsetDateTime leaseEnd = handOff ? utc(clock.instant().plus(lease)) : null;
      return PushedTransitions.apply(connection, arrived).compose(repeats -> {
        List<AcceptedEvent> delivered = new ArrayList<>();
        List<AcceptedEvent> recorded = new ArrayList<>();
        arrived.forEach(event -> (repeats.contains(event.id()) ? recorded : delivered)
            .add(event));
        return FanOut.storeWithoutDeliveries(connection, recorded)
            .compose(v -> FanOut.store(connection, delivered, owner, leaseEnd));
      }).map(stored -> {
        jobs.addAll(stored);
        stored.forEach(job -> deliveriesByEvent.merge(job.eventId(), 1, Integer::sum));
        for (int position : fresh) {
          String id = events.get(position).id();
          results.set(position,
              new StoredEvent(id, deliveriesByEvent.getOrDefault(id, 0), false, false));
        }
        return deliveriesByEvent;
      });
    }

    private Future<Void> countKeyDeliveries(SqlConnection connection,
        Map<String, Integer> counts) {
      repeatOf.forEach((position, first) -> {
        StoredEvent original = results.get(first);
        // The same key again in this commit compares with the event that owns the key: the
        // one stored before, or else its first use here.
        byte[] owner = earlierHash.getOrDefault(first, events.get(first).requestHash());
        boolean same = Arrays.equals(events.get(position).requestHash(), owner);
        results.set(position,
            new StoredEvent(original.id(), original.deliveries(), true, !same));
      });
      List<String> accounts = new ArrayList<>();
      List<String> keys = new ArrayList<>();
      List<Integer> deliveries = new ArrayList<>();
      for (int position : fresh) {
        AcceptedEvent event = events.get(position);
        Integer count = counts.get(event.id());
        if (event.idempotencyKey() != null && count != null) {
          accounts.add(event.accountId());
          keys.add(event.idempotencyKey());
          deliveries.add(count);
        }
      }
      if (accounts.isEmpty()) {
        return Future.succeededFuture();
      }
      return connection.preparedQuery(PipelineSql.COUNT_KEY_DELIVERIES)
          .execute(Tuple.of(accounts.toArray(new String[0]), keys.toArray(new String[0]),
              deliveries.toArray(new Integer[0])))
          .mapEmpty();
    }
  }

  // ---- attempt outcomes: batched writes ----

  private void queueOutcomes(Message<OutcomeBatch> message) {
    outcomeQueue.addAll(message.body().outcomes());
    if (message.replyAddress() != null) {
      message.reply(null);
    }
    scheduleOutcomes();
  }

  /**
   * Writes the waiting outcomes now when there are enough of them, else after a linger.
   * Nobody waits for an outcome to be written: the linger gathers the outcomes of many
   * attempts into one statement instead of one statement per few attempts.
   */
  private void scheduleOutcomes() {
    if (outcomesBusy || outcomeRetryTimer >= 0 || outcomeQueue.isEmpty()) {
      return;
    }
    if (outcomeQueue.size() >= OUTCOME_LINGER_ENOUGH) {
      flushOutcomes();
    } else if (outcomeLingerTimer < 0) {
      outcomeLingerTimer = vertx.setTimer(OUTCOME_LINGER_MILLIS, id -> {
        outcomeLingerTimer = -1;
        if (!outcomesBusy && outcomeRetryTimer < 0) {
          flushOutcomes();
        }
      });
    }
  }

  private Future<Void> flushOutcomes() {
    if (outcomeLingerTimer >= 0) {
      vertx.cancelTimer(outcomeLingerTimer);
      outcomeLingerTimer = -1;
    }
    List<AttemptOutcome> batch = new ArrayList<>();
    while (!outcomeQueue.isEmpty() && batch.size() < MAX_OUTCOMES_PER_COMMIT) {
      batch.add(outcomeQueue.poll());
    }
    if (batch.isEmpty()) {
      outcomesBusy = false;
      return Future.succeededFuture();
    }
    outcomesBusy = true;
    // Bounded, so that a database that hangs does not hold every later outcome back; writing
    // a batch again is harmless (attempts are keyed, deliveries only move forward).
    return writeOutcomes(batch)
        .timeout(OUTCOME_WRITE_SECONDS, TimeUnit.SECONDS)
        .onComplete(done -> {
          outcomesBusy = false;
          if (done.succeeded()) {
            scheduleOutcomes();
            return;
          }
          if (isRefusedValue(done.cause())) {
            LOG.warn("PostgreSQL refused a value among {} attempt outcomes ({}); each is "
                + "written alone", batch.size(), sqlState(done.cause()));
            writeEachAlone(batch, 0);
            return;
          }
          LOG.warn("Could not record {} attempt outcomes: {}; they are kept in memory and "
              + "written again in 1 s", batch.size(), done.cause().getMessage());
          batch.forEach(outcomeQueue::addFirst);
          outcomeRetryTimer = vertx.setTimer(1000, id -> {
            outcomeRetryTimer = -1;
            flushOutcomes();
          });
        });
  }

  /**
   * Writes refused outcomes one at a time, so that one that PostgreSQL cannot store is
   * written without what it cannot store instead of blocking every later outcome.
   */
  private void writeEachAlone(List<AttemptOutcome> batch, int next) {
    if (next == batch.size()) {
      outcomesBusy = false;
      flushOutcomes();
      return;
    }
    outcomesBusy = true;
    AttemptOutcome outcome = batch.get(next);
    writeOutcomes(List.of(outcome))
        .recover(cause -> isRefusedValue(cause) ? writeRefused(outcome, cause)
            : Future.failedFuture(cause))
        .onComplete(done -> {
          if (done.failed()) {
            outcomeQueue.addFirst(outcome);
          }
          writeEachAlone(batch, next + 1);
        });
  }

  /**
   * An outcome PostgreSQL refused: logged without the text the endpoint supplied; refused
   * again, its delivery's lease is given back with its next attempt (or in a minute), so that
   * no delivery stays held by this pod, whose lease renewal would keep it until the pod
   * stops. Fails only when PostgreSQL could not be reached, for the outcome to be kept.
   */
  private Future<Void> writeRefused(AttemptOutcome outcome, Throwable cause) {
    LOG.warn("PostgreSQL refused attempt {} of delivery {} ({}); it is logged without the "
        + "endpoint's response", outcome.attempt(), outcome.deliveryId(), sqlState(cause));
    return writeOutcomes(List.of(outcome.withoutEndpointText())).recover(again -> {
      if (!isRefusedValue(again)) {
        return Future.failedFuture(again);
      }
      Instant due = outcome.nextAttemptAt() != null ? outcome.nextAttemptAt()
          : clock.instant().plus(REFUSED_OUTCOME_RETRY);
      LOG.error("PostgreSQL refused attempt {} of delivery {} even without the endpoint's "
          + "response ({}); the attempt is not logged, and the delivery is given back to be "
          + "attempted again at {}", outcome.attempt(), outcome.deliveryId(),
          sqlState(again), due);
      return writeOutcomes(List.of(outcome.deferredTo(due)));
    });
  }

  /**
   * Writes a batch of outcomes; when that takes one statement (no webhook to disable, not
   * both attempts and deferrals) it runs outside a transaction block, in one round trip.
   */
  private Future<Void> writeOutcomes(List<AttemptOutcome> batch) {
    boolean attempts = false;
    boolean deferrals = false;
    boolean disabling = false;
    for (AttemptOutcome outcome : batch) {
      attempts |= !outcome.isDeferral();
      deferrals |= outcome.isDeferral();
      disabling |= outcome.disableReason() != null;
    }
    if (disabling || (attempts && deferrals)) {
      return pool.withTransaction(connection -> writeOutcomes(connection, batch));
    }
    return pool.withConnection(connection -> writeOutcomes(connection, batch));
  }

  private Future<Void> writeOutcomes(SqlConnection connection, List<AttemptOutcome> batch) {
    List<AttemptOutcome> attempts = new ArrayList<>();
    List<AttemptOutcome> deferrals = new ArrayList<>();
    List<AttemptOutcome> disabling = new ArrayList<>();
    for (AttemptOutcome outcome : batch) {
      (outcome.isDeferral() ? deferrals : attempts).add(outcome);
      if (outcome.disableReason() != null) {
        disabling.add(outcome);
      }
    }
    Future<Void> written = recordAttempts(connection, attempts)
        .compose(v -> defer(connection, deferrals));
    for (AttemptOutcome outcome : disabling) {
      written = written.compose(v -> connection.preparedQuery(PipelineSql.DISABLE_WEBHOOK)
          .execute(Tuple.of(outcome.webhookId(), outcome.disableReason(),
              utc(clock.instant())))
          .onSuccess(rows -> LOG.info("Disabled webhook {} ({}) and cancelled {} pending "
              + "deliveries", outcome.webhookId(), outcome.disableReason(), rows.rowCount()))
          .onSuccess(metrics::deliveriesCancelled)
          .mapEmpty());
    }
    return written;
  }

  private Future<Void> recordAttempts(SqlConnection connection, List<AttemptOutcome> list) {
    if (list.isEmpty()) {
      return Future.succeededFuture();
    }
    // Rows in one order, as the lease renewal and other pods' writes take them.
    list.sort(Comparator.comparing(AttemptOutcome::deliveryId));
    return connection.preparedQuery(PipelineSql.RECORD_ATTEMPTS).execute(attemptParams(list))
        .mapEmpty();
  }

  /** The parameters of {@link PipelineSql#RECORD_ATTEMPTS} for those attempts. */
  static Tuple attemptParams(List<AttemptOutcome> list) {
    int n = list.size();
    String[] ids = new String[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    Integer[] numbers = new Integer[n];
    String[] webhooks = new String[n];
    OffsetDateTime[] started = new OffsetDateTime[n];
    Integer[] durations = new Integer[n];
    String[] results = new String[n];
    Integer[] codes = new Integer[n];
    String[] snippets = new String[n];
    String[] errors = new String[n];
    String[] statuses = new String[n];
    OffsetDateTime[] next = new OffsetDateTime[n];
    OffsetDateTime[] completed = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      AttemptOutcome o = list.get(i);
      ids[i] = o.deliveryId();
      created[i] = utc(o.createdAt());
      numbers[i] = o.attempt();
      webhooks[i] = o.webhookId();
      started[i] = utc(o.startedAt());
      durations[i] = o.durationMs();
      results[i] = o.result().label();
      codes[i] = o.statusCode();
      snippets[i] = o.responseSnippet();
      errors[i] = o.error();
      statuses[i] = o.status();
      next[i] = utc(o.nextAttemptAt());
      completed[i] = o.status().equals("pending") ? null
          : utc(o.startedAt().plusMillis(o.durationMs()));
    }
    return Tuple.tuple(List.of(ids, created, numbers, webhooks, started, durations,
        results, codes, snippets, errors, statuses, next, completed));
  }

  private Future<Void> defer(SqlConnection connection, List<AttemptOutcome> list) {
    if (list.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = list.size();
    String[] ids = new String[n];
    OffsetDateTime[] created = new OffsetDateTime[n];
    OffsetDateTime[] next = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      ids[i] = list.get(i).deliveryId();
      created[i] = utc(list.get(i).createdAt());
      next[i] = utc(list.get(i).nextAttemptAt());
    }
    return connection.preparedQuery(PipelineSql.DEFER).execute(Tuple.of(ids, created, next))
        .mapEmpty();
  }

  // ---- claims and leases ----

  /**
   * Claims due deliveries for the dispatcher and, once every {@link #EXPIRED_LEASE_CHECK},
   * first those whose lease ran out (a pod stopped without giving them back).
   */
  private void claimDue(Message<ClaimRequest> message) {
    Instant now = clock.instant();
    int limit = message.body().limit();
    Future<Integer> expired = Future.succeededFuture(0);
    if (!now.isBefore(nextExpiredLeaseCheck)) {
      nextExpiredLeaseCheck = now.plus(EXPIRED_LEASE_CHECK);
      expired = claim(PipelineSql.CLAIM_EXPIRED, now, limit);
    }
    expired
        .compose(taken -> taken >= limit ? Future.succeededFuture(taken)
            : claim(PipelineSql.CLAIM_DUE, now, limit - taken).map(more -> taken + more))
        .onSuccess(message::reply)
        .onFailure(error -> {
          LOG.warn("Could not claim due deliveries: {}; the next poll tries again",
              error.getMessage());
          message.fail(503, "database unavailable");
        });
  }

  /** Leases what the statement finds to this pod and hands it to the dispatcher. */
  private Future<Integer> claim(String statement, Instant now, int limit) {
    return pool.preparedQuery(statement)
        .execute(Tuple.of(podId, utc(now.plus(lease)), utc(now), limit))
        .map(rows -> {
          List<DeliveryJob> jobs = new ArrayList<>();
          List<Row> inactive = new ArrayList<>();
          for (Row row : rows) {
            if (!row.getBoolean("active")) {
              // Its webhook was deleted or disabled: nothing more is sent for it.
              inactive.add(row);
              continue;
            }
            jobs.add(new DeliveryJob(row.getString("id"),
                row.getOffsetDateTime("created_at").toInstant(), row.getString("event_id"),
                row.getString("webhook_id"), row.getString("event"), row.getString("url"),
                row.getString("secret"), row.getString("previous_secret"),
                instant(row.getOffsetDateTime("previous_secret_expires_at")),
                row.getString("body"), row.getInteger("attempt_count") + 1));
          }
          // Sent, not replied: a reply can time out and be lost, and these leases are ours.
          dispatch(jobs);
          cancelInactive(inactive);
          return jobs.size() + inactive.size();
        });
  }

  private void shareOpenCircuits() {
    circuits.openAt(clock.instant())
        .onSuccess(open -> vertx.eventBus().send(Bus.OPEN_CIRCUITS, new OpenCircuits(open)))
        .onFailure(error -> LOG.debug("Could not read the open circuits: {}",
            error.getMessage()));
  }

  /**
   * Tells the dispatcher which webhooks any pod disabled or deleted in the last minute, so
   * that it drops the deliveries it holds for them: the pod that took the stop told only its
   * own dispatcher.
   */
  private void shareStoppedWebhooks() {
    pool.preparedQuery(PipelineSql.STOPPED_SINCE)
        .execute(Tuple.of(utc(clock.instant().minus(STOPS_SHARED_FOR))))
        .onSuccess(rows -> {
          Set<String> ids = new HashSet<>();
          rows.forEach(row -> ids.add(row.getString("id")));
          vertx.eventBus().send(Bus.STOPPED_WEBHOOKS, new StoppedWebhooks(ids));
        })
        .onFailure(error -> LOG.debug("Could not read the stopped webhooks: {}",
            error.getMessage()));
  }

  private void cancelInactive(List<Row> rows) {
    if (rows.isEmpty()) {
      return;
    }
    String[] ids = rows.stream().map(row -> row.getString("id")).toArray(String[]::new);
    OffsetDateTime[] created = rows.stream().map(row -> row.getOffsetDateTime("created_at"))
        .toArray(OffsetDateTime[]::new);
    pool.preparedQuery(PipelineSql.CANCEL_INACTIVE)
        .execute(Tuple.of(ids, created, utc(clock.instant())))
        .onFailure(error -> LOG.warn("Could not cancel {} deliveries of stopped webhooks: {}",
            ids.length, error.getMessage()));
  }

  private void renewLeases() {
    pool.preparedQuery(PipelineSql.RENEW_LEASES)
        .execute(Tuple.of(podId, utc(clock.instant().plus(lease))))
        .onFailure(error -> LOG.warn("Could not renew the leases of pod {}: {}; retried in "
            + "{} ms", podId, error.getMessage(), lease.toMillis() / 3));
  }

  static OffsetDateTime utc(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }
}
