package com.ouvitel.gateway.api;

import com.ouvitel.gateway.Bus;
import com.ouvitel.gateway.delivery.DestinationGuard;
import com.ouvitel.gateway.delivery.DestinationGuard.RefusedDestination;
import com.ouvitel.gateway.ingest.EventValidator;
import com.ouvitel.gateway.store.AccountStore.Principal;
import com.ouvitel.gateway.store.DeliveryStats;
import com.ouvitel.gateway.store.Messages.IngestReply;
import com.ouvitel.gateway.store.Messages.IngestRequest;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Customer calls on webhooks: CRUD, secrets, test events, replay and statistics. */
final class WebhookRoutes {

  private static final List<String> SELECTORS = selectors();

  private final ApiVerticle.Services services;
  private final EventValidator validator = new EventValidator();

  WebhookRoutes(ApiVerticle.Services services) {
    this.services = services;
  }

  void mount(Router router) {
    router.post("/v1/webhooks").handler(this::create);
    router.get("/v1/webhooks").handler(this::list);
    router.get("/v1/webhooks/:id").handler(this::read);
    router.patch("/v1/webhooks/:id").handler(this::update);
    router.delete("/v1/webhooks/:id").handler(this::delete);
    router.get("/v1/webhooks/:id/secret").handler(this::secret);
    router.post("/v1/webhooks/:id/rotate-secret").handler(this::rotate);
    router.post("/v1/webhooks/:id/test").handler(this::test);
    router.post("/v1/webhooks/:id/replay").handler(this::replay);
    router.get("/v1/webhooks/:id/stats").handler(this::stats);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, Set.of("url", "events", "description"));
    String url = RequestBodies.string(body, "url", true, 2048);
    List<String> events = RequestBodies.choices(body, "events", true, SELECTORS);
    String description = RequestBodies.string(body, "description", false, 500);
    checkedUrl(ctx, url)
        .compose(ok -> services.webhooks().create(accountId(ctx), url, events,
            description == null ? "" : description))
        .onSuccess(webhook -> {
          ChangeLog.webhookCreated(accountId(ctx), webhook);
          Replies.json(ctx, 201, webhook);
        })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    services.webhooks().list(accountId(ctx), ctx.queryParams().get("cursor"),
            RequestBodies.limit(ctx, 100, 500))
        .onSuccess(page -> Replies.json(ctx, 200, page))
        .onFailure(ctx::fail);
  }

  private void read(RoutingContext ctx) {
    services.webhooks().find(accountId(ctx), ctx.pathParam("id"))
        .onSuccess(webhook -> found(ctx, webhook, 200))
        .onFailure(ctx::fail);
  }

  private void update(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx,
        Set.of("url", "events", "description", "enabled"));
    String url = RequestBodies.string(body, "url", false, 2048);
    List<String> events = RequestBodies.choices(body, "events", false, SELECTORS);
    String description = RequestBodies.string(body, "description", false, 500);
    Boolean enabled = RequestBodies.bool(body, "enabled");
    String id = ctx.pathParam("id");
    Future<Void> checked = url == null ? Future.succeededFuture() : checkedUrl(ctx, url);
    checked.compose(ok -> services.webhooks().update(accountId(ctx), id, url, events,
            description, enabled))
        .compose(webhook -> webhook == null || enabled == null ? Future.succeededFuture(webhook)
            : dispatchingChanged(ctx, id, enabled).map(webhook))
        .onSuccess(webhook -> {
          if (webhook != null) {
            ChangeLog.webhookUpdated(accountId(ctx), id, enabled);
          }
          found(ctx, webhook, 200);
        })
        .onFailure(ctx::fail);
  }

  /**
   * Tells the dispatcher that a webhook was enabled or disabled; a disable is answered only
   * once the dispatcher dropped the webhook's queued attempts.
   */
  private static Future<Void> dispatchingChanged(RoutingContext ctx, String id,
      boolean enabled) {
    if (enabled) {
      ctx.vertx().eventBus().publish(Bus.WEBHOOK_RESUMED, id);
      return Future.succeededFuture();
    }
    return Bus.stopWebhooks(ctx.vertx(), id);
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    services.webhooks().delete(accountId(ctx), id)
        .compose(deleted -> deleted ? Bus.stopWebhooks(ctx.vertx(), id).map(true)
            : Future.succeededFuture(false))
        .onSuccess(deleted -> {
          if (!deleted) {
            ctx.fail(ApiError.notFound("webhook"));
            return;
          }
          ChangeLog.webhookDeleted(accountId(ctx), id);
          ctx.response().setStatusCode(204).end();
        }).onFailure(ctx::fail);
  }

  private void secret(RoutingContext ctx) {
    services.webhooks().secret(accountId(ctx), ctx.pathParam("id"))
        .onSuccess(secret -> found(ctx, secret, 200))
        .onFailure(ctx::fail);
  }

  private void rotate(RoutingContext ctx) {
    services.webhooks().rotate(accountId(ctx), ctx.pathParam("id"))
        .onSuccess(secret -> {
          if (secret != null) {
            ChangeLog.secretRotated(accountId(ctx), ctx.pathParam("id"));
          }
          found(ctx, secret, 200);
        })
        .onFailure(ctx::fail);
  }

  private void test(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, Set.of("event"));
    String event = RequestBodies.string(body, "event", false, 40);
    if (event == null) {
      event = "print.success";
    } else if (!EventValidator.EVENT_TYPES.contains(event)) {
      throw new ApiError(400, "unknown_event", "event '" + event + "' is not an event type "
          + "(expected one of " + String.join(", ", EventValidator.EVENT_TYPES) + ")");
    }
    String type = event;
    String id = ctx.pathParam("id");
    services.webhooks().find(accountId(ctx), id).compose(webhook -> {
      if (webhook == null) {
        return Future.failedFuture(ApiError.notFound("webhook"));
      }
      if (!webhook.getBoolean("enabled")) {
        return Future.failedFuture(new ApiError(409, "webhook_disabled",
            "the webhook is disabled; enable it before sending a test event"));
      }
      IngestRequest request = new IngestRequest(List.of(
          validator.testEvent(type, accountId(ctx), id, services.clock().instant())));
      return ctx.vertx().eventBus().<IngestReply>request(Bus.STORE_EVENTS, request,
          new DeliveryOptions().setSendTimeout(10_000));
    }).onSuccess(reply -> {
      var stored = reply.body().events().get(0);
      Replies.json(ctx, 202, new JsonObject().put("id", stored.id())
          .put("deliveries", stored.deliveries()));
    }).onFailure(ctx::fail);
  }

  private void replay(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, Set.of("since", "until"));
    Instant since = instant(RequestBodies.string(body, "since", true, 40), "since");
    String untilText = RequestBodies.string(body, "until", false, 40);
    Instant until = untilText == null ? services.clock().instant().plusSeconds(1)
        : instant(untilText, "until");
    if (!since.isBefore(until)) {
      throw ApiError.invalidField("since", "must be before until");
    }
    String id = ctx.pathParam("id");
    services.webhooks().find(accountId(ctx), id).compose(webhook -> {
      if (webhook == null) {
        return Future.failedFuture(ApiError.notFound("webhook"));
      }
      if (!webhook.getBoolean("enabled")) {
        return Future.failedFuture(new ApiError(409, "webhook_disabled",
            "the webhook is disabled; enable it before replaying deliveries"));
      }
      return services.log().replay(accountId(ctx), id, since, until);
    }).onSuccess(count -> {
      ChangeLog.replayed(accountId(ctx), id, count);
      ctx.vertx().eventBus().send(Bus.WAKE, null);
      Replies.json(ctx, 202, new JsonObject().put("deliveries", count));
    }).onFailure(ctx::fail);
  }

  private void stats(RoutingContext ctx) {
    String window = ctx.queryParams().get("window");
    if (window == null) {
      window = "24h";
    }
    if (!DeliveryStats.WINDOW_NAMES.contains(window)) {
      throw ApiError.invalidField("window", "must be one of 1h, 24h, 7d, 30d");
    }
    String chosen = window;
    String id = ctx.pathParam("id");
    services.webhooks().find(accountId(ctx), id).compose(webhook -> webhook == null
            ? Future.failedFuture(ApiError.notFound("webhook"))
            : services.stats().forWebhook(accountId(ctx), id, chosen))
        .onSuccess(stats -> Replies.json(ctx, 200, stats))
        .onFailure(ctx::fail);
  }

  /** Refuses a URL of the wrong form or whose host resolves into a guarded range. */
  private Future<Void> checkedUrl(RoutingContext ctx, String url) {
    DestinationGuard guard = services.guard();
    DestinationGuard.Endpoint endpoint;
    try {
      endpoint = guard.checkUrl(url);
    } catch (RefusedDestination refused) {
      return Future.failedFuture(new ApiError(400, "invalid_url", refused.getMessage()));
    }
    return ctx.vertx().executeBlocking(() -> {
      try {
        guard.resolve(endpoint);
        return null;
      } catch (RefusedDestination refused) {
        throw new ApiError(400, "invalid_url", refused.getMessage());
      }
    }, false);
  }

  static Instant instant(String text, String field) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiError.invalidField(field, "must be an ISO 8601 UTC timestamp");
    }
  }

  private static void found(RoutingContext ctx, JsonObject body, int status) {
    if (body == null) {
      ctx.fail(ApiError.notFound("webhook"));
    } else {
      Replies.json(ctx, status, body);
    }
  }

  static String accountId(RoutingContext ctx) {
    Principal principal = ctx.get("principal");
    return principal.accountId();
  }

  private static List<String> selectors() {
    List<String> list = new ArrayList<>(EventValidator.EVENT_TYPES);
    list.add("all");
    return List.copyOf(list);
  }
}
