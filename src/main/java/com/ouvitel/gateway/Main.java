package com.ouvitel.gateway;

import com.ouvitel.gateway.config.GatewayConfig;
import com.ouvitel.gateway.management.GatewayMetrics;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one gateway process from {@code conf/gateway.yaml} and the environment. */
public final class Main {

  private static final long VERTX_CLOSE_SECONDS = 10;

  private Main() {
  }

  public static void main(String[] args) {
    GatewayConfig config;
    try {
      config = GatewayConfig.load(Path.of("conf", "gateway.yaml"), System.getenv());
    } catch (RuntimeException e) {
      System.err.println("Cannot read the settings: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config.string("log_format").equalsIgnoreCase("json")) {
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
    Logger log = LoggerFactory.getLogger(Main.class);

    GatewayMetrics metrics = new GatewayMetrics();
    Vertx vertx = metrics.createVertx(config.bool("vertx_metrics"));

    Gateway gateway;
    try {
      gateway = Gateway.start(vertx, config, metrics, Clock.systemUTC())
          .await(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      log.error("The gateway could not start: {}", e.getMessage(), e);
      vertx.close();
      System.exit(1);
      return;
    }

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.stop().await(2, TimeUnit.MINUTES);
      } catch (Exception e) {
        log.warn("The gateway did not stop cleanly: {}", e.getMessage());
      }
      // Everything is written and the pool is closed: closing Vert.x only releases threads,
      // and a close that does not finish must not keep a stopping pod alive.
      try {
        vertx.close().await(VERTX_CLOSE_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("Vert.x did not close within {} s ({}); the process ends anyway",
            VERTX_CLOSE_SECONDS, e.getMessage());
      } finally {
        stopped.countDown();
      }
    }, "gateway-shutdown"));
  }
}
