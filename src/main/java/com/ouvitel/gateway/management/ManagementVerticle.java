package com.ouvitel.gateway.management;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.function.BooleanSupplier;

/**
 * The management port: Prometheus metrics and the two Kubernetes probes. Liveness means the
 * process answers; readiness means PostgreSQL answers and this pod is not draining.
 */
public final class ManagementVerticle extends VerticleBase {

  private final int port;
  private final GatewayMetrics metrics;
  private final Pool pool;
  private final BooleanSupplier accepting;
  private HttpServer server;

  public ManagementVerticle(int port, GatewayMetrics metrics, Pool pool,
      BooleanSupplier accepting) {
    this.port = port;
    this.metrics = metrics;
    this.pool = pool;
    this.accepting = accepting;
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
    if (!accepting.getAsBoolean()) {
      answer(ctx, 503, new JsonObject().put("status", "draining"));
      return;
    }
    pool.query("SELECT 1").execute()
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS)
        .onSuccess(rows -> answer(ctx, 200, new JsonObject().put("status", "ready")))
        .onFailure(error -> answer(ctx, 503,
            new JsonObject().put("status", "database_unreachable")));
  }

  private static void answer(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }
}
