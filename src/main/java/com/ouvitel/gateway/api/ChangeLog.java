package com.ouvitel.gateway.api;

import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line for each change made through the API, with the ids it touched. Never the
 * API key, the webhook secret or the webhook URL (a URL may carry a customer's token).
 */
final class ChangeLog {

  private static final Logger LOG = LoggerFactory.getLogger(ChangeLog.class);

  private ChangeLog() {
  }

  static void accountCreated(JsonObject account) {
    LOG.info("Account {} created with licence {}", account.getString("id"),
        account.getString("license"));
  }

  static void licenseChanged(String accountId, String license, int webhooksDisabled) {
    LOG.info("Account {} now has licence {}; {} webhooks disabled", accountId, license,
        webhooksDisabled);
  }

  static void apiKeyAdded(String accountId) {
    LOG.info("Account {} got a new API key", accountId);
  }

  static void webhookCreated(String accountId, JsonObject webhook) {
    LOG.info("Account {} created webhook {} for events {}", accountId,
        webhook.getString("id"), webhook.getJsonArray("events").encode());
  }

  static void webhookUpdated(String accountId, String webhookId, Boolean enabled) {
    LOG.info("Account {} updated webhook {}{}", accountId, webhookId,
        enabled == null ? "" : enabled ? "; it is enabled" : "; it is disabled and its pending "
            + "deliveries are cancelled");
  }

  static void webhookDeleted(String accountId, String webhookId) {
    LOG.info("Account {} deleted webhook {}; its pending deliveries are cancelled", accountId,
        webhookId);
  }

  static void secretRotated(String accountId, String webhookId) {
    LOG.info("Account {} rotated the secret of webhook {}; the previous one signs beside it "
        + "for 24 h", accountId, webhookId);
  }

  static void replayed(String accountId, String webhookId, Object deliveries) {
    LOG.info("Account {} replays {} deliveries of webhook {}", accountId, deliveries,
        webhookId);
  }

  static void retried(String accountId, String deliveryId) {
    LOG.info("Account {} asked for one more attempt of delivery {}", accountId, deliveryId);
  }
}
