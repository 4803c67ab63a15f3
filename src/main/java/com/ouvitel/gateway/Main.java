package com.ouvitel.gateway;

import com.ouvitel.gateway.config.GatewayConfig;
import com.ouvitel.gateway.management.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one gateway process from {@code conf/gateway.yaml} and the environment. */
public final class Main {

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
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(
            new MicrometerMetricsOptions().setEnabled(config.bool("vertx_metrics"))))
        .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
        .build();

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
        gateway.stop().eventually(vertx::close).await(2, TimeUnit.MINUTES);
      } catch (Exception e) {
        log.warn("The gateway did not stop cleanly: {}", e.getMessage());
      } finally {
        stopped.countDown();
      }
    }, "gateway-shutdown"));
  }
}
