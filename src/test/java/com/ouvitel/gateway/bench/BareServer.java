package com.ouvitel.gateway.bench;

import com.ouvitel.gateway.json.StrictJson;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP baseline, run as its own process: a bare Vert.x server (one instance per core,
 * as the gateway) that answers the gateway's ingest requests as the gateway would, parsing
 * them with the same JSON reader, but stores nothing. Usage: {@code BareServer <port>}.
 */
public final class BareServer extends VerticleBase {

  private static final AtomicLong IDS = new AtomicLong();

  private final int port;

  private BareServer(int port) {
    this.port = port;
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new BareServer(port), new DeploymentOptions()
        .setInstances(Runtime.getRuntime().availableProcessors()))
        .onFailure(error -> {
          System.err.println("bare server did not start: " + error);
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1"))
        .requestHandler(this::answer).listen();
  }

  private void answer(HttpServerRequest request) {
    if (request.path().equals("/health")) {
      request.response().end("ok");
      return;
    }
    request.body().onSuccess(body -> {
      Object tree = StrictJson.parse(body.getBytes());
      JsonObject answer;
      if (request.path().endsWith("/batch")) {
        JsonArray results = new JsonArray();
        for (Object ignored : (List<?>) ((Map<?, ?>) tree).get("events")) {
          results.add(result());
        }
        answer = new JsonObject().put("results", results);
      } else {
        answer = result();
      }
      request.response().setStatusCode(202).putHeader("Content-Type", "application/json")
          .end(answer.toBuffer());
    });
  }

  private static JsonObject result() {
    return new JsonObject().put("id", "evt_bare" + IDS.incrementAndGet()).put("deliveries", 0);
  }
}
