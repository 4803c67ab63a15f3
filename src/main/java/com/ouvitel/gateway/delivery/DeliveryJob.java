package com.ouvitel.gateway.delivery;

import java.time.Instant;

/**
 * One delivery leased to this pod and ready for its next attempt: where it goes, how it is
 * signed and the exact body stored when its event was accepted.
 *
 * @param attempt the number of the attempt to make now, 1 for the first
 * @param previousSecret the secret before a rotation while it still signs, else null
 */
public record DeliveryJob(
    String deliveryId,
    Instant createdAt,
    String eventId,
    String webhookId,
    String event,
    String url,
    String secret,
    String previousSecret,
    Instant previousSecretExpiresAt,
    String body,
    int attempt) {

  /** This job for the attempt after the given one. */
  public DeliveryJob nextAttempt() {
    return new DeliveryJob(deliveryId, createdAt, eventId, webhookId, event, url, secret,
        previousSecret, previousSecretExpiresAt, body, attempt + 1);
  }
}
