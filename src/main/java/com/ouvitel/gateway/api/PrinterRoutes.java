package com.ouvitel.gateway.api;

import com.ouvitel.gateway.Bus;
import com.ouvitel.gateway.printer.PrinterVerticle.HeartbeatBatch;
import com.ouvitel.gateway.store.PrinterKey;
import com.ouvitel.gateway.store.PrinterStore;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Printer heartbeats, one or many at once, and the list of an account's printers. A
 * heartbeat is answered once the write that holds it has committed; a batch is refused as a
 * whole when one of its items is not a printer token.
 */
final class PrinterRoutes {

  static final int MAX_HEARTBEATS = 10_000;
  private static final List<String> STATES = List.of("online", "offline");
  private static final DeliveryOptions WRITE_TIMEOUT = new DeliveryOptions()
      .setSendTimeout(10_000);

  private final ApiVerticle.Services services;

  PrinterRoutes(ApiVerticle.Services services) {
    this.services = services;
  }

  void mount(Router router) {
    router.post("/v1/printers/:printerToken/heartbeat").handler(this::heartbeat);
    router.post("/v1/heartbeats").handler(this::heartbeats);
    router.get("/v1/printers").handler(this::list);
  }

  private void heartbeat(RoutingContext ctx) {
    EventRoutes.refuseWhileDraining(services);
    if (ctx.body().length() > 0) {
      RequestBodies.object(ctx, Set.of());
    }
    String token = ctx.pathParam("printerToken");
    if (!PrinterKey.isToken(token)) {
      throw ApiError.invalidField("printerToken '" + shorten(token) + "'",
          PrinterKey.TOKEN_RULE);
    }
    record(ctx, List.of(token)).onSuccess(v -> ctx.response().setStatusCode(204).end());
  }

  private void heartbeats(RoutingContext ctx) {
    EventRoutes.refuseWhileDraining(services);
    JsonObject body = RequestBodies.object(ctx, Set.of("printers"));
    Object printers = body.getValue("printers");
    if (printers == null) {
      throw new ApiError(400, "missing_field", "$.printers is required: an array of printer "
          + "tokens");
    }
    if (!(printers instanceof JsonArray) || ((JsonArray) printers).isEmpty()
        || ((JsonArray) printers).size() > MAX_HEARTBEATS) {
      throw ApiError.invalidField("$.printers", "must be an array of 1 to " + MAX_HEARTBEATS
          + " printer tokens");
    }
    List<String> tokens = tokens((JsonArray) printers);
    record(ctx, tokens).onSuccess(v -> Replies.json(ctx, 202,
        new JsonObject().put("accepted", tokens.size())));
  }

  /** Each item is a token, or an object with only a printerToken. */
  private static List<String> tokens(JsonArray printers) {
    List<String> tokens = new ArrayList<>(printers.size());
    for (int i = 0; i < printers.size(); i++) {
      Object item = printers.getValue(i);
      String path = "$.printers[" + i + "]";
      if (item instanceof JsonObject) {
        JsonObject object = (JsonObject) item;
        if (object.size() != 1 || !object.containsKey("printerToken")) {
          throw ApiError.invalidField(path, "must be a printer token or an object with "
              + "only printerToken");
        }
        item = object.getValue("printerToken");
        path = path + ".printerToken";
      }
      if (!(item instanceof String) || !PrinterKey.isToken((String) item)) {
        throw ApiError.invalidField(path, PrinterKey.TOKEN_RULE
            + (item instanceof String ? ", not '" + shorten((String) item) + "'" : ""));
      }
      tokens.add((String) item);
    }
    return tokens;
  }

  private Future<Void> record(RoutingContext ctx, List<String> tokens) {
    HeartbeatBatch batch = new HeartbeatBatch(WebhookRoutes.accountId(ctx), tokens,
        services.clock().instant().truncatedTo(ChronoUnit.MILLIS));
    return ctx.vertx().eventBus().request(Bus.HEARTBEATS, batch, WRITE_TIMEOUT)
        .<Void>mapEmpty()
        .onFailure(error -> ctx.fail(ApiError.unavailable()));
  }

  private void list(RoutingContext ctx) {
    String state = ctx.queryParams().get("state");
    if (state != null && !STATES.contains(state)) {
      throw ApiError.invalidField("state", "must be online or offline");
    }
    String cursor = ctx.queryParams().get("cursor");
    if (cursor != null && !cursor.isEmpty()) {
      try {
        PrinterStore.decodeCursor(cursor);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidField("cursor", "is not a nextCursor of this list");
      }
    } else {
      cursor = null;
    }
    services.printers().list(WebhookRoutes.accountId(ctx), state, cursor,
            RequestBodies.limit(ctx, 100, 1000))
        .onSuccess(page -> Replies.json(ctx, 200, page))
        .onFailure(ctx::fail);
  }

  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }
}
