package com.ouvitel.gateway.api;

import com.ouvitel.gateway.delivery.DestinationGuard;
import com.ouvitel.gateway.ingest.EventValidator;
import com.ouvitel.gateway.management.GatewayMetrics;
import com.ouvitel.gateway.store.AccountStore;
import com.ouvitel.gateway.store.AccountStore.Principal;
import com.ouvitel.gateway.store.DeliveryLog;
import com.ouvitel.gateway.store.DeliveryStats;
import com.ouvitel.gateway.store.PrinterStore;
import com.ouvitel.gateway.store.WebhookStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The public API and the dashboard. Authenticates every call (the admin token for accounts,
 * an API key for everything else), checks content types, and hands each family of routes to
 * its own class.
 */
public final class ApiVerticle extends VerticleBase {

  /** Settings of the API, from configuration. */
  public record Settings(int port, String adminToken, long maxRequestBytes,
      long maxEventBytes) {
  }

  /** The stores and services the routes use; shared by every API verticle instance. */
  public record Services(AccountStore accounts, WebhookStore webhooks, DeliveryLog log,
      DeliveryStats stats, PrinterStore printers,
      DestinationGuard guard, GatewayMetrics metrics, Clock clock,
      BooleanSupplier accepting) {
  }

  private static final long KEY_CACHE_NANOS = 5_000_000_000L;

  private final Settings settings;
  private final Services services;
  private final Map<String, CachedPrincipal> principals = new HashMap<>();
  private HttpServer server;

  public ApiVerticle(Settings settings, Services services) {
    this.settings = settings;
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().failureHandler(Replies::failure);
    router.post("/v1/events").handler(services.metrics().ingestRequests("single"));
    router.post("/v1/events/batch").handler(services.metrics().ingestRequests("batch"));
    router.errorHandler(400, Replies::badRequest);
    router.errorHandler(404, Replies::failure);
    router.errorHandler(405, Replies::failure);
    router.route().handler(this::closeWhileDraining);
    router.route("/v1/*").handler(ApiVerticle::refuseNulInUri);
    router.route("/v1/*").handler(BodyHandler.create(false)
        .setBodyLimit(settings.maxRequestBytes()));
    router.route("/v1/accounts*").handler(this::requireAdmin);
    router.route("/v1/*").handler(this::requireApiKey);
    router.route("/v1/webhooks*").handler(this::requirePremium);
    router.route("/v1/deliveries*").handler(this::requirePremium);
    router.route("/v1/*").method(io.vertx.core.http.HttpMethod.POST)
        .handler(this::requireJson);
    router.route("/v1/*").method(io.vertx.core.http.HttpMethod.PATCH)
        .handler(this::requireJson);

    // The fleet's routes first: a request walks the routes in order, and those of accounts
    // and webhooks hold path parameters, each matched with a regular expression.
    new EventRoutes(services, new EventValidator(), settings.maxEventBytes()).mount(router);
    new PrinterRoutes(services).mount(router);
    new AccountRoutes(services).mount(router);
    new WebhookRoutes(services).mount(router);
    new DeliveryRoutes(services).mount(router);
    router.get("/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/yaml")
        .sendFile("openapi.yaml").onFailure(ctx::fail));
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));

    server = vertx.createHttpServer(new HttpServerOptions()
        .setPort(settings.port())
        .setCompressionSupported(true)
        // No WebSockets here: without their compression no extension handler sits in
        // every request's pipeline.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setMaxInitialLineLength(Replies.MAX_REQUEST_LINE_BYTES)
        .setMaxHeaderSize(Replies.MAX_HEADER_BYTES)
        .setIdleTimeout(120));
    return server.requestHandler(router).invalidRequestHandler(Replies::invalidRequest)
        .listen();
  }

  /**
   * Stops taking connections and lets the requests under way finish (their events may be
   * committing right now, and their answer must reach the fleet) for at most 5 s.
   */
  @Override
  public Future<?> stop() {
    return server.shutdown(5, TimeUnit.SECONDS);
  }

  /** The port actually bound (tests ask for port 0). */
  public int port() {
    return server.actualPort();
  }

  /** A draining pod closes each connection after its answer, so clients go elsewhere. */
  private void closeWhileDraining(RoutingContext ctx) {
    if (!services.accepting().getAsBoolean()) {
      ctx.response().putHeader("Connection", "close");
    }
    ctx.next();
  }

  /** No id, filter or cursor holds a NUL, and PostgreSQL text could not store one. */
  private static void refuseNulInUri(RoutingContext ctx) {
    if (ctx.request().uri().toLowerCase(Locale.ROOT).contains("%00")) {
      throw ApiError.badRequest("invalid_request",
          "the path and query must not contain the NUL character (%00)");
    }
    ctx.next();
  }

  private void requireAdmin(RoutingContext ctx) {
    String token = bearer(ctx);
    if (token == null) {
      throw new ApiError(401, "unauthorized",
          "send the admin token as Authorization: Bearer <token>");
    }
    if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
        settings.adminToken().getBytes(StandardCharsets.UTF_8))) {
      throw new ApiError(401, "unauthorized", "the admin token is not valid");
    }
    ctx.next();
  }

  private void requireApiKey(RoutingContext ctx) {
    if (ctx.normalizedPath().startsWith("/v1/accounts")) {
      ctx.next();
      return;
    }
    String key = bearer(ctx);
    if (key == null) {
      throw new ApiError(401, "unauthorized",
          "send your API key as Authorization: Bearer <api key>");
    }
    CachedPrincipal cached = principals.get(key);
    long now = System.nanoTime();
    if (cached != null && cached.expiresAt > now) {
      ctx.put("principal", cached.principal);
      ctx.next();
      return;
    }
    services.accounts().authenticate(key).onComplete(found -> {
      if (found.failed()) {
        ctx.fail(found.cause());
      } else if (found.result() == null) {
        principals.remove(key);
        ctx.fail(new ApiError(401, "unauthorized", "the API key is not valid"));
      } else {
        if (principals.size() > 10_000) {
          principals.clear();
        }
        principals.put(key, new CachedPrincipal(found.result(), now + KEY_CACHE_NANOS));
        ctx.put("principal", found.result());
        ctx.next();
      }
    });
  }

  private void requirePremium(RoutingContext ctx) {
    Principal principal = ctx.get("principal");
    if (!principal.premium()) {
      throw new ApiError(403, "premium_required", "webhooks are a Premium feature; "
          + "upgrade this account to a Premium license in your dashboard to use them");
    }
    ctx.next();
  }

  private void requireJson(RoutingContext ctx) {
    if (RequestBodies.isEmpty(ctx) && !ctx.normalizedPath().startsWith("/v1/events")) {
      ctx.next();
      return;
    }
    String type = ctx.request().getHeader("Content-Type");
    if (!isJsonUtf8(type)) {
      throw new ApiError(415, "unsupported_media_type", "Content-Type must be "
          + "application/json (UTF-8), not " + (type == null ? "missing" : "'" + type + "'"));
    }
    ctx.next();
  }

  /** {@code application/json}, with no charset or a UTF-8 one, in any spelling. */
  static boolean isJsonUtf8(String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase("application/json")) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].split("=", 2);
      if (parameter.length == 2 && parameter[0].trim().equalsIgnoreCase("charset")) {
        String charset = parameter[1].trim().replace("\"", "").toLowerCase(Locale.ROOT);
        if (!charset.equals("utf-8") && !charset.equals("utf8")) {
          return false;
        }
      }
    }
    return true;
  }

  private static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private record CachedPrincipal(Principal principal, long expiresAt) {
  }
}
