package com.ouvitel.gateway.delivery;

import java.time.Instant;

/**
 * What one attempt did and the state it leaves its delivery in, as the dispatcher reports it
 * to persistence. A deferral (circuit open, pod draining) carries no attempt: only the new
 * next-attempt time, with the attempt count unchanged.
 *
 * @param attempt the attempt number, or 0 for a deferral that made no attempt
 * @param status pending, succeeded or failed
 * @param nextAttemptAt when the delivery is due again, null unless pending
 * @param disableReason set when the endpoint asked never to be called again (410 Gone)
 */
public record AttemptOutcome(
    String deliveryId,
    Instant createdAt,
    String webhookId,
    String event,
    int attempt,
    Instant startedAt,
    int durationMs,
    AttemptResult result,
    Integer statusCode,
    String responseSnippet,
    String error,
    String status,
    Instant nextAttemptAt,
    String disableReason) {

  public static AttemptOutcome deferral(DeliveryJob job, Instant nextAttemptAt) {
    return new AttemptOutcome(job.deliveryId(), job.createdAt(), job.webhookId(), job.event(),
        0, null, 0, null, null, null, null, "pending", nextAttemptAt, null);
  }

  /** The same deferral as a job's, for the delivery this outcome belongs to. */
  public AttemptOutcome deferredTo(Instant next) {
    return new AttemptOutcome(deliveryId, createdAt, webhookId, event, 0, null, 0, null, null,
        null, null, "pending", next, null);
  }

  /**
   * This attempt without the text the endpoint supplied (its response snippet and the error
   * that quotes it), the only values of an attempt that come from outside.
   */
  public AttemptOutcome withoutEndpointText() {
    return new AttemptOutcome(deliveryId, createdAt, webhookId, event, attempt, startedAt,
        durationMs, result, statusCode, null,
        error == null ? null : "the endpoint's answer could not be stored", status,
        nextAttemptAt, disableReason);
  }

  public boolean isDeferral() {
    return attempt == 0;
  }
}
