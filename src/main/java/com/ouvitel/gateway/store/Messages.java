package com.ouvitel.gateway.store;

import com.ouvitel.gateway.delivery.AttemptOutcome;
import com.ouvitel.gateway.delivery.DeliveryJob;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The messages persistence takes and gives over the event bus. */
public final class Messages {

  /** The failure code of an ingest request holding a value PostgreSQL cannot store. */
  public static final int UNSTORABLE_VALUE = 422;

  private Messages() {
  }

  /**
   * An event validated by ingest, its delivery body built once.
   *
   * @param idempotencyKey the client's key, or null
   * @param requestHash digest of what the client sent, to tell a replay from a conflict
   * @param testWebhookId for a test event, the only webhook it goes to; else null
   */
  public record AcceptedEvent(
      String id, Instant createdAt, String accountId, String event, String body,
      String idempotencyKey, byte[] requestHash, String testWebhookId) {
  }

  public record IngestRequest(List<AcceptedEvent> events) {
  }

  /**
   * The result of one accepted event.
   *
   * @param replayed true when an earlier event with the same idempotency key answered
   * @param conflict true when that key was used before for a different event
   */
  public record StoredEvent(String id, int deliveries, boolean replayed, boolean conflict) {
  }

  public record IngestReply(List<StoredEvent> events) {
  }

  public record OutcomeBatch(List<AttemptOutcome> outcomes) {
  }

  public record ClaimRequest(int limit) {
  }

  public record JobBatch(List<DeliveryJob> jobs) {
  }

  /**
   * The circuit of an endpoint URL opened or stayed open ({@code openedAt} and
   * {@code openUntil} set), or closed (both null).
   */
  public record CircuitChange(String url, Instant openedAt, Instant openUntil,
      int failuresInARow, Instant at) {

    public boolean closed() {
      return openUntil == null;
    }
  }

  /**
   * The circuits open in the database, any pod's: when each cool-down ends, by URL. A fresh
   * map each time, which its receiver owns.
   */
  public record OpenCircuits(Map<String, Instant> openUntil) {
  }

  /**
   * Webhooks any pod disabled or deleted in the last minute and not enabled since, by id. A
   * fresh set each time, which its receiver owns.
   */
  public record StoppedWebhooks(Set<String> ids) {
  }

  public static List<Class<?>> types() {
    return List.of(IngestRequest.class, IngestReply.class, OutcomeBatch.class,
        ClaimRequest.class, JobBatch.class, CircuitChange.class,
        OpenCircuits.class, StoppedWebhooks.class);
  }
}
