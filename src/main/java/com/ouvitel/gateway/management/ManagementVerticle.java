package com.ouvitel.gateway.management;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The management port: Prometheus metrics and the two Kubernetes probes. It opens first,
 * before migrations, so that liveness answers while a long migration runs. Liveness means
 * the process answers; readiness is {@link Readiness}.
 */
public final class ManagementVerticle extends VerticleBase {

  private final int port;
  private final GatewayMetrics metrics;
  private final Readiness readiness;
  private HttpServer server;

  public ManagementVerticle(int port, GatewayMetrics metrics, Readiness readiness) {
    this.port = port;
    this.metrics = metrics;
    this.readiness = readiness;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    router.get("/health/live").handler(ctx -> answer(ctx, 200,
        new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(this::ready);
    server = vertx.createHttpServer();
    return server.requestHandler(router).listen(port);
  }

  public int port() {
    return server.actualPort();
  }

  private void ready(RoutingContext ctx) {
    readiness.check().onComplete(done -> {
      Readiness.State state = done.result();
      answer(ctx, state.ready() ? 200 : 503, new JsonObject().put("status", state.status()));
    });
  }

  private static void answer(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }
}
