package com.ouvitel.gateway.api;

import com.ouvitel.gateway.Bus;
import com.ouvitel.gateway.ingest.EventValidator;
import com.ouvitel.gateway.store.DeliveryLog;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;

/** The delivery log: list with filters and cursor, one delivery, manual retry. */
final class DeliveryRoutes {

  private static final List<String> STATUSES = DeliveryLog.STATUSES;

  private final ApiVerticle.Services services;

  DeliveryRoutes(ApiVerticle.Services services) {
    this.services = services;
  }

  void mount(Router router) {
    router.get("/v1/deliveries").handler(this::list);
    router.get("/v1/deliveries/:id").handler(this::read);
    router.post("/v1/deliveries/:id/retry").handler(this::retry);
  }

  private void list(RoutingContext ctx) {
    var query = ctx.queryParams();
    String status = query.get("status");
    if (status != null && !STATUSES.contains(status)) {
      throw ApiError.invalidField("status", "must be one of " + String.join(", ", STATUSES));
    }
    String event = query.get("event");
    if (event != null && !EventValidator.EVENT_TYPES.contains(event)) {
      throw ApiError.invalidField("event",
          "must be one of " + String.join(", ", EventValidator.EVENT_TYPES));
    }
    Instant since = query.get("since") == null ? null
        : WebhookRoutes.instant(query.get("since"), "since");
    Instant until = query.get("until") == null ? null
        : WebhookRoutes.instant(query.get("until"), "until");
    String cursor = emptyToNull(query.get("cursor"));
    try {
      DeliveryLog.Cursor.parse(cursor);
    } catch (IllegalArgumentException malformed) {
      throw ApiError.invalidField("cursor", "must be the nextCursor of an earlier page");
    }
    DeliveryLog.Filter filter = new DeliveryLog.Filter(emptyToNull(query.get("webhookId")),
        status, event, since, until, cursor,
        RequestBodies.limit(ctx, 50, 500));
    services.log().list(WebhookRoutes.accountId(ctx), filter)
        .onSuccess(page -> Replies.json(ctx, 200, page))
        .onFailure(ctx::fail);
  }

  private void read(RoutingContext ctx) {
    services.log().delivery(WebhookRoutes.accountId(ctx), ctx.pathParam("id"))
        .onSuccess(delivery -> {
          if (delivery == null) {
            ctx.fail(ApiError.notFound("delivery"));
          } else {
            Replies.json(ctx, 200, delivery);
          }
        })
        .onFailure(ctx::fail);
  }

  private void retry(RoutingContext ctx) {
    String accountId = WebhookRoutes.accountId(ctx);
    String id = ctx.pathParam("id");
    services.log().retry(accountId, id).compose(retried -> {
      if (retried) {
        return io.vertx.core.Future.succeededFuture(true);
      }
      return services.log().delivery(accountId, id).map(delivery -> {
        if (delivery == null) {
          throw ApiError.notFound("delivery");
        }
        throw new ApiError(409, "not_retryable", "the delivery is being attempted right "
            + "now, or its webhook is deleted or disabled");
      });
    }).onSuccess(retried -> {
      ChangeLog.retried(accountId, id);
      ctx.vertx().eventBus().send(Bus.WAKE, null);
      Replies.json(ctx, 202, new JsonObject().put("id", id).put("status", "pending"));
    }).onFailure(ctx::fail);
  }

  private static String emptyToNull(String text) {
    return text == null || text.isEmpty() ? null : text;
  }
}
