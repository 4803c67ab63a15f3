package com.ouvitel.gateway.api;

import com.ouvitel.gateway.Bus;
import com.ouvitel.gateway.ingest.EventValidator;
import com.ouvitel.gateway.json.JsonInputException;
import com.ouvitel.gateway.json.StrictJson;
import com.ouvitel.gateway.store.AccountStore.Principal;
import com.ouvitel.gateway.store.Messages;
import com.ouvitel.gateway.store.Messages.AcceptedEvent;
import com.ouvitel.gateway.store.Messages.IngestReply;
import com.ouvitel.gateway.store.Messages.IngestRequest;
import com.ouvitel.gateway.store.Messages.StoredEvent;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Event ingest: validates, builds the body once, and answers 202 only after persistence has
 * committed the event and its deliveries. A batch is validated item by item; the valid items
 * are stored together and the invalid ones answered with their own error.
 */
final class EventRoutes {

  static final int MAX_BATCH = 1000;
  private static final DeliveryOptions STORE_TIMEOUT = new DeliveryOptions()
      .setSendTimeout(10_000);

  private final ApiVerticle.Services services;
  private final EventValidator validator;
  private final long maxEventBytes;

  EventRoutes(ApiVerticle.Services services, EventValidator validator, long maxEventBytes) {
    this.services = services;
    this.validator = validator;
    this.maxEventBytes = maxEventBytes;
  }

  void mount(Router router) {
    router.post("/v1/events").handler(this::ingestOne);
    router.post("/v1/events/batch").handler(this::ingestBatch);
    router.get("/v1/events/:id").handler(this::read);
  }

  private void ingestOne(RoutingContext ctx) {
    refuseWhileDraining(services);
    byte[] bytes = RequestBodies.bytes(ctx);
    if (bytes.length > maxEventBytes) {
      throw new ApiError(413, "payload_too_large",
          "an event may be at most " + maxEventBytes + " bytes");
    }
    Principal principal = ctx.get("principal");
    String headerKey = ctx.request().getHeader("Idempotency-Key");
    AcceptedEvent event = validator.accept(parse(bytes), "$", principal.accountId(),
        headerKey, services.clock().instant());
    ctx.vertx().eventBus()
        .<IngestReply>request(Bus.STORE_EVENTS, new IngestRequest(List.of(event)),
            STORE_TIMEOUT)
        .onSuccess(reply -> {
          StoredEvent stored = reply.body().events().get(0);
          if (stored.conflict()) {
            ctx.fail(conflict());
            return;
          }
          if (!stored.replayed()) {
            services.metrics().eventReceived(event.event());
          }
          Replies.json(ctx, 202, result(stored));
        })
        .onFailure(error -> ctx.fail(storeFailure(error)));
  }

  private void ingestBatch(RoutingContext ctx) {
    refuseWhileDraining(services);
    if (ctx.request().getHeader("Idempotency-Key") != null) {
      // One key cannot stand for many events; silently ignoring it would let a client
      // believe a resent batch is idempotent when it is not.
      throw new ApiError(400, "idempotency_key_not_supported", "a batch takes no "
          + "Idempotency-Key header: give each event its own id to make it idempotent");
    }
    // Each event of a batch sits two levels down, in the batch object and its array: it
    // may nest as deep as an event sent alone.
    Object tree = parse(RequestBodies.bytes(ctx), StrictJson.DEFAULT_MAX_DEPTH + 2);
    if (!(tree instanceof Map) || !(((Map<?, ?>) tree).get("events") instanceof List)) {
      throw new ApiError(400, "missing_field", "$.events is required: an array of events");
    }
    if (((Map<?, ?>) tree).size() != 1) {
      throw new ApiError(400, "unknown_field", "a batch has only the field events");
    }
    List<?> items = (List<?>) ((Map<?, ?>) tree).get("events");
    if (items.isEmpty() || items.size() > MAX_BATCH) {
      throw ApiError.invalidField("$.events", "must hold 1 to " + MAX_BATCH + " events");
    }
    Principal principal = ctx.get("principal");
    Instant now = services.clock().instant();
    List<AcceptedEvent> accepted = new ArrayList<>();
    JsonObject[] results = new JsonObject[items.size()];
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      try {
        accepted.add(withinSize(validator.accept(items.get(i), "$.events[" + i + "]",
            principal.accountId(), null, now), i));
        positions.add(i);
      } catch (ApiError refused) {
        results[i] = errorJson(refused);
      }
    }
    if (accepted.isEmpty()) {
      Replies.json(ctx, 202, new JsonObject().put("results", new JsonArray(List.of(results))));
      return;
    }
    ctx.vertx().eventBus()
        .<IngestReply>request(Bus.STORE_EVENTS, new IngestRequest(accepted), STORE_TIMEOUT)
        .onSuccess(reply -> {
          List<StoredEvent> stored = reply.body().events();
          for (int k = 0; k < stored.size(); k++) {
            StoredEvent one = stored.get(k);
            if (one.conflict()) {
              results[positions.get(k)] = errorJson(conflict());
            } else {
              if (!one.replayed()) {
                services.metrics().eventReceived(accepted.get(k).event());
              }
              results[positions.get(k)] = result(one);
            }
          }
          Replies.json(ctx, 202,
              new JsonObject().put("results", new JsonArray(List.of(results))));
        })
        .onFailure(error -> ctx.fail(storeFailure(error)));
  }

  private void read(RoutingContext ctx) {
    services.log().event(WebhookRoutes.accountId(ctx), ctx.pathParam("id"))
        .onSuccess(event -> {
          if (event == null) {
            ctx.fail(ApiError.notFound("event"));
          } else {
            Replies.json(ctx, 200, event);
          }
        })
        .onFailure(ctx::fail);
  }

  /** A batch item may not be larger, once serialised, than a single event may be. */
  private AcceptedEvent withinSize(AcceptedEvent event, int index) {
    if (event.body().getBytes(StandardCharsets.UTF_8).length > maxEventBytes) {
      throw new ApiError(413, "payload_too_large", "$.events[" + index + "] is larger than "
          + maxEventBytes + " bytes, the most an event may be");
    }
    return event;
  }

  static void refuseWhileDraining(ApiVerticle.Services services) {
    if (!services.accepting().getAsBoolean()) {
      throw new ApiError(503, "shutting_down",
          "this gateway instance is shutting down; retry and another one will answer");
    }
  }

  private static Object parse(byte[] bytes) {
    return parse(bytes, StrictJson.DEFAULT_MAX_DEPTH);
  }

  private static Object parse(byte[] bytes, int maxDepth) {
    try {
      return StrictJson.parse(bytes, maxDepth);
    } catch (JsonInputException e) {
      throw new ApiError(400, "invalid_json", e.getMessage());
    }
  }

  private static JsonObject result(StoredEvent stored) {
    return new JsonObject().put("id", stored.id()).put("deliveries", stored.deliveries());
  }

  /** Persistence refuses a request it cannot store with 400; anything else is a 503. */
  private static ApiError storeFailure(Throwable error) {
    if (error instanceof ReplyException
        && ((ReplyException) error).failureCode() == Messages.UNSTORABLE_VALUE) {
      return ApiError.badRequest("unstorable_value", error.getMessage());
    }
    return ApiError.unavailable();
  }

  private static ApiError conflict() {
    return new ApiError(409, "idempotency_conflict",
        "this idempotency key was already used for a different event");
  }

  private static JsonObject errorJson(ApiError error) {
    return new JsonObject().put("error", new JsonObject()
        .put("status", error.status()).put("code", error.code())
        .put("message", error.getMessage()));
  }
}
