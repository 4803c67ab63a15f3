package com.ouvitel.gateway.support;

import com.ouvitel.gateway.Gateway;
import com.ouvitel.gateway.config.GatewayConfig;
import com.ouvitel.gateway.delivery.DestinationGuard;
import com.ouvitel.gateway.management.GatewayMetrics;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway in this JVM on the run's PostgreSQL, with short retry delays and local
 * endpoints allowed, listening on free ports.
 */
public final class TestGateway implements AutoCloseable {

  public static final String ADMIN_TOKEN = "test-admin-token";

  private final Vertx vertx;
  private final Gateway gateway;
  public final Api api;

  private TestGateway(Vertx vertx, Gateway gateway) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.api = new Api("http://127.0.0.1:" + gateway.httpPort(), ADMIN_TOKEN);
  }

  public static TestGateway start(Map<String, String> overrides) {
    return start(overrides, Clock.systemUTC());
  }

  public static TestGateway start(Map<String, String> overrides, Clock clock) {
    return start(overrides, clock, null);
  }

  /** A gateway whose destination guard asks that resolver for every connection. */
  public static TestGateway start(Map<String, String> overrides, Clock clock,
      DestinationGuard.Resolver resolver) {
    Map<String, String> settings = defaults();
    settings.put("database_url", TestDatabase.url());
    settings.put("http_port", "0");
    settings.put("management_port", "0");
    settings.putAll(overrides);
    GatewayConfig config = GatewayConfig.load(Path.of("conf", "gateway.yaml"), Map.of())
        .with(settings);
    GatewayMetrics metrics = new GatewayMetrics();
    Vertx vertx = metrics.createVertx(true);
    try {
      Gateway gateway = Gateway.start(vertx, config, metrics, clock, resolver)
          .await(60, TimeUnit.SECONDS);
      return new TestGateway(vertx, gateway);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("the test gateway did not start: " + e, e);
    }
  }

  /** The settings of every test gateway: local endpoints, short retries, quick polls. */
  public static Map<String, String> defaults() {
    Map<String, String> settings = new HashMap<>();
    settings.put("http_instances", "1");
    settings.put("admin_token", ADMIN_TOKEN);
    settings.put("allow_http_endpoints", "true");
    settings.put("allowed_cidrs", "127.0.0.0/8");
    settings.put("retry_initial_delay", "200ms");
    settings.put("retry_multiplier", "2");
    settings.put("retry_jitter", "0");
    settings.put("poll_interval", "100ms");
    settings.put("drain_timeout", "2s");
    // Receivers in tests fail many attempts in a row on purpose; a circuit opening on them
    // would hold deliveries for its cool-down. Circuit tests set their own threshold.
    settings.put("circuit_failure_threshold", "1000");
    return settings;
  }

  public Gateway gateway() {
    return gateway;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String metricsUrl() {
    return "http://127.0.0.1:" + gateway.managementPort() + "/metrics";
  }

  /**
   * Dies without stopping gracefully, as a killed pod: its database connections go first, so
   * open transactions roll back and its leases stay until they expire.
   */
  public void crash() {
    try {
      gateway.pool().close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // The connections are gone either way.
    }
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // Nothing more to release.
    }
  }

  @Override
  public void close() {
    try {
      gateway.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // Closing Vert.x below releases everything anyway.
    }
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // Nothing more to release.
    }
  }
}
