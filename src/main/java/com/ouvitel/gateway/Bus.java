package com.ouvitel.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Event-bus addresses between the verticles of one gateway process, and the codec that
 * passes their messages by reference: they never leave the process, so they are never
 * serialised.
 */
public final class Bus {

  /** Ingest asks persistence to store accepted events: {@code IngestRequest -> IngestReply}. */
  public static final String STORE_EVENTS = "gateway.persistence.store-events";
  /** The dispatcher reports attempt outcomes: {@code OutcomeBatch}, no reply. */
  public static final String RECORD_OUTCOMES = "gateway.persistence.record-outcomes";
  /**
   * The dispatcher asks for due deliveries: {@code ClaimRequest -> Integer}, how many were
   * claimed; the claimed jobs themselves go to {@link #DISPATCH}.
   */
  public static final String CLAIM_DUE = "gateway.persistence.claim-due";
  /** Persistence hands leased deliveries to the dispatcher: {@code JobBatch}. */
  public static final String DISPATCH = "gateway.dispatcher.dispatch";
  /**
   * A webhook was deleted or disabled: its id as a String; the empty reply comes once its
   * queued attempts are dropped.
   */
  public static final String WEBHOOK_STOPPED = "gateway.dispatcher.webhook-stopped";
  /** A webhook was enabled again: its id as a String; its deliveries may go out again. */
  public static final String WEBHOOK_RESUMED = "gateway.dispatcher.webhook-resumed";

  /** A circuit opened, stayed open longer or closed: {@code CircuitChange}, no reply. */
  public static final String CIRCUIT_CHANGED = "gateway.persistence.circuit-changed";

  /** Persistence tells the dispatcher which circuits are open, every second: OpenCircuits. */
  public static final String OPEN_CIRCUITS = "gateway.dispatcher.open-circuits";

  /**
   * Persistence tells the dispatcher which webhooks any pod stopped lately, every second:
   * {@code StoppedWebhooks}.
   */
  public static final String STOPPED_WEBHOOKS = "gateway.dispatcher.stopped-webhooks";

  /** The API hands printer heartbeats to be written: {@code HeartbeatBatch}, empty reply. */
  public static final String HEARTBEATS = "gateway.printers.heartbeats";

  /** Deliveries were made due now (manual retry, replay): claim them without waiting. */
  public static final String WAKE = "gateway.dispatcher.wake";

  /** Longest wait of the API for the dispatcher to drop the attempts of stopped webhooks. */
  private static final DeliveryOptions STOP_WAIT = new DeliveryOptions().setSendTimeout(2000);

  private Bus() {
  }

  /**
   * Tells this process's dispatcher that webhooks were deleted or disabled, and completes once
   * it has dropped their queued attempts: an answer the API gives after that is followed by
   * no new attempt of theirs from this process. Completes anyway, after 2 s at the most or at
   * once while no dispatcher listens (a draining pod), since the database holds the change.
   */
  public static Future<Void> stopWebhooks(Vertx vertx, String... webhookIds) {
    List<Future<?>> dropped = new ArrayList<>();
    for (String webhookId : webhookIds) {
      dropped.add(vertx.eventBus().request(WEBHOOK_STOPPED, webhookId, STOP_WAIT));
    }
    return Future.join(dropped).transform(done -> Future.succeededFuture());
  }

  /** Registers the by-reference codec for every message class, once per Vert.x instance. */
  public static void registerCodecs(Vertx vertx, List<Class<?>> messageTypes) {
    for (Class<?> type : messageTypes) {
      try {
        register(vertx, type);
      } catch (IllegalStateException alreadyRegistered) {
        // Another gateway in the same Vert.x instance (tests) registered it first.
      }
    }
  }

  private static <T> void register(Vertx vertx, Class<T> type) {
    vertx.eventBus().registerDefaultCodec(type, new ByReference<>(type.getName()));
  }

  private static final class ByReference<T> implements MessageCodec<T, T> {
    private final String name;

    ByReference(String name) {
      this.name = "by-reference:" + name;
    }

    @Override
    public void encodeToWire(Buffer buffer, T message) {
      throw new UnsupportedOperationException("gateway messages stay in the process");
    }

    @Override
    public T decodeFromWire(int position, Buffer buffer) {
      throw new UnsupportedOperationException("gateway messages stay in the process");
    }

    @Override
    public T transform(T message) {
      return message;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
