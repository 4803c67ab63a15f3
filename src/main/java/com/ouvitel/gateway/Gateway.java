package com.ouvitel.gateway;

import com.ouvitel.gateway.api.ApiVerticle;
import com.ouvitel.gateway.config.GatewayConfig;
import com.ouvitel.gateway.delivery.DestinationGuard;
import com.ouvitel.gateway.delivery.DispatcherVerticle;
import com.ouvitel.gateway.delivery.RetryPolicy;
import com.ouvitel.gateway.management.GatewayMetrics;
import com.ouvitel.gateway.management.ManagementVerticle;
import com.ouvitel.gateway.management.Readiness;
import com.ouvitel.gateway.printer.PrinterVerticle;
import com.ouvitel.gateway.retention.RetentionJob;
import com.ouvitel.gateway.retention.RetentionVerticle;
import com.ouvitel.gateway.store.AccountStore;
import com.ouvitel.gateway.store.Database;
import com.ouvitel.gateway.store.DeliveryLog;
import com.ouvitel.gateway.store.DeliveryStats;
import com.ouvitel.gateway.store.Ids;
import com.ouvitel.gateway.store.Messages;
import com.ouvitel.gateway.store.PersistenceVerticle;
import com.ouvitel.gateway.store.PrinterStore;
import com.ouvitel.gateway.store.WebhookStore;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway process: its database, its pool and its verticles, started in order and
 * stopped gracefully (stop taking events, finish the attempts in flight, record them, give
 * the remaining leases back).
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  public static final String VERSION = version();

  /** Longest wait for a pooled connection, start-up on a loaded server included. */
  private static final int POOL_WAIT_SECONDS = 10;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final Clock clock;
  private final String podId;
  private final AtomicBoolean accepting = new AtomicBoolean(false);
  private final Readiness readiness = new Readiness();
  private final List<String> deployments = new ArrayList<>();
  private Database database;
  private String schemaVersion;
  private Pool pool;
  private DispatcherVerticle dispatcher;
  private String persistenceDeployment;
  private String dispatcherDeployment;
  private int httpPort;
  private int managementPort;
  private String adminToken;
  private boolean adminTokenGenerated;
  private DestinationGuard.Resolver resolver;

  private Gateway(Vertx vertx, GatewayConfig config, GatewayMetrics metrics, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
    this.podId = podName() + "-" + Ids.next("", clock.instant()).substring(20);
  }

  /** Starts a gateway in that Vert.x instance; the future completes once it serves. */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config,
      GatewayMetrics metrics, Clock clock) {
    return start(vertx, config, metrics, clock, null);
  }

  /**
   * Starts a gateway whose destination guard resolves names with that resolver, its answers
   * never reused (tests make a name's addresses change); null keeps the system resolver.
   */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config,
      GatewayMetrics metrics, Clock clock, DestinationGuard.Resolver resolver) {
    Gateway gateway = new Gateway(vertx, config, metrics, clock);
    gateway.resolver = resolver;
    return gateway.startUp().map(gateway);
  }

  private Future<Void> startUp() {
    Bus.registerCodecs(vertx, Messages.types());
    adminToken = config.string("admin_token");
    if (adminToken.isBlank()) {
      adminToken = "adm_" + Base64.getUrlEncoder().withoutPadding()
          .encodeToString(Ids.randomBytes(24));
      adminTokenGenerated = true;
    }
    return deployManagement()
        .compose(v -> vertx.executeBlocking(this::openDatabase, false))
        .compose(db -> {
          database = db;
          pool = PgBuilder.pool()
              .with(new PoolOptions().setName("postgresql")
                  .setMaxSize(config.integer("db_pool_size"))
                  .setMaxWaitQueueSize(10_000)
                  // Waiting for a connection is bounded, so that nothing waits forever on a
                  // database that hangs; ingest, authentication and readiness have shorter
                  // bounds of their own.
                  .setConnectionTimeout(POOL_WAIT_SECONDS)
                  .setConnectionTimeoutUnit(TimeUnit.SECONDS))
              .with(new NetClientOptions().setConnectTimeout(3000))
              .connectingTo(db.connectOptions()
                  .setPipeliningLimit(config.integer("db_pipelining_limit"))
                  .setCachePreparedStatements(config.bool("db_prepared_statement_cache")))
              .using(vertx)
              .build();
          return ensurePartitions();
        })
        .compose(v -> deployVerticles())
        .compose(v -> deployRetention())
        .recover(this::abandonStart)
        .onSuccess(v -> {
          accepting.set(true);
          readiness.serving(pool, schemaVersion);
          LOG.info("OuViTel webhook gateway {} (pod {}) serves the API on port {} and "
              + "metrics and health on port {}, using {}", VERSION, podId, httpPort,
              managementPort, database.describe());
          if (adminTokenGenerated) {
            LOG.info("No GATEWAY_ADMIN_TOKEN was set; this run's admin token is {}",
                adminToken);
          }
        });
  }

  private Database openDatabase() {
    String url = config.string("database_url");
    Database db = url.isBlank()
        ? Database.embedded(Path.of(config.string("data_dir")))
        : Database.external(url);
    try {
      schemaVersion = db.migrate();
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  /** Releases what a failed start had opened (an embedded PostgreSQL above all). */
  private Future<Void> abandonStart(Throwable error) {
    Future<Void> closed = pool == null ? Future.succeededFuture() : pool.close();
    return closed.eventually(() -> vertx.executeBlocking(() -> {
      if (database != null) {
        database.close();
      }
      return null;
    }, false)).transform(v -> Future.failedFuture(error));
  }

  /** Daily partitions from yesterday to a week ahead (the schedule keeps them ahead). */
  private Future<Void> ensurePartitions() {
    var today = clock.instant().atOffset(ZoneOffset.UTC).toLocalDate();
    return pool.preparedQuery("SELECT ensure_partitions($1::date, $2)")
        .execute(Tuple.of(today.minusDays(1), 9))
        .mapEmpty();
  }

  private Future<Void> deployVerticles() {
    DestinationGuard guard = resolver == null ? DestinationGuard.from(config)
        : DestinationGuard.from(config).withResolver(resolver, Duration.ZERO);
    Duration lease = config.duration("lease_duration");
    PersistenceVerticle persistence = new PersistenceVerticle(pool, clock, podId, lease,
        config.duration("db_timeout"), config.integer("ingest_commits_in_flight"),
        config.bool("dispatch_hand_off"), metrics);
    dispatcher = new DispatcherVerticle(dispatcherSettings(), RetryPolicy.from(config),
        guard, trustOptions(), clock, metrics);
    metrics.inFlight(dispatcher::busy);
    PrinterStore printers = new PrinterStore(pool, clock);
    PrinterVerticle printerVerticle = new PrinterVerticle(PrinterVerticle.Settings.from(config),
        printers, podId, metrics);
    ApiVerticle.Services services = new ApiVerticle.Services(
        new AccountStore(pool, clock, metrics), new WebhookStore(pool, clock, metrics),
        new DeliveryLog(pool, clock), new DeliveryStats(pool, clock), printers, guard, metrics,
        clock, accepting::get);
    ApiVerticle.Settings apiSettings = new ApiVerticle.Settings(config.integer("http_port"),
        adminToken, config.integer("max_request_bytes"), config.integer("max_event_bytes"));
    int instances = config.integer("http_instances") > 0 ? config.integer("http_instances")
        : Runtime.getRuntime().availableProcessors();
    List<ApiVerticle> apis = new ArrayList<>();

    return vertx.deployVerticle(persistence)
        .compose(id -> {
          persistenceDeployment = id;
          return vertx.deployVerticle(dispatcher);
        })
        .compose(id -> {
          dispatcherDeployment = id;
          return vertx.deployVerticle(printerVerticle);
        })
        .compose(id -> {
          deployments.add(id);
          return vertx.deployVerticle(() -> {
            ApiVerticle api = new ApiVerticle(apiSettings, services);
            apis.add(api);
            return api;
          }, new DeploymentOptions().setInstances(instances));
        })
        .map(id -> {
          deployments.add(id);
          httpPort = apis.get(0).port();
          return null;
        });
  }

  /** The probes and /metrics, first of all: liveness answers while migrations run. */
  private Future<Void> deployManagement() {
    ManagementVerticle management = new ManagementVerticle(
        config.integer("management_port"), metrics, readiness);
    return vertx.deployVerticle(management).map(id -> {
      deployments.add(id);
      managementPort = management.port();
      return null;
    });
  }

  /** Partition maintenance and retention, on connections of its own (it holds a lock). */
  private Future<Void> deployRetention() {
    RetentionJob.Settings settings = RetentionJob.Settings.from(config);
    RetentionJob job = new RetentionJob(
        () -> PgConnection.connect(vertx, database.connectOptions()).map(c -> c), clock,
        settings);
    return vertx.deployVerticle(new RetentionVerticle(job, settings))
        .map(id -> {
          deployments.add(id);
          return null;
        });
  }

  private DispatcherVerticle.Settings dispatcherSettings() {
    return new DispatcherVerticle.Settings(
        config.duration("delivery_timeout"),
        config.integer("endpoint_max_concurrency"),
        config.duration("endpoint_keep_alive"),
        config.integer("max_in_flight"),
        Math.max(1, config.integer("claim_batch_size")),
        config.duration("poll_interval"),
        config.integer("circuit_failure_threshold"),
        config.duration("circuit_cool_down"),
        "OuViTel-Webhooks/" + VERSION);
  }

  private TrustOptions trustOptions() {
    String file = config.string("trusted_ca_file");
    if (file.isBlank()) {
      return null;
    }
    return TrustStores.withExtraCa(Path.of(file));
  }

  /**
   * Stops gracefully: readiness and ingest refuse at once, attempts in flight get up to the
   * drain timeout, their outcomes are written, the leases left are given back.
   */
  public Future<Void> stop() {
    if (!accepting.getAndSet(false) && pool == null) {
      return Future.succeededFuture();
    }
    readiness.draining();
    Duration patience = config.duration("drain_timeout");
    LOG.info("Pod {} is draining: no new events, up to {} for {} deliveries in flight",
        podId, patience, dispatcher == null ? 0 : dispatcher.busy());
    Future<Void> drained = dispatcher == null ? Future.succeededFuture()
        : dispatcher.drain(patience);
    return drained
        .compose(v -> undeployAll())
        .eventually(() -> pool == null ? Future.succeededFuture() : pool.close())
        .eventually(() -> vertx.executeBlocking(() -> {
          if (database != null) {
            database.close();
          }
          return null;
        }, false))
        .onComplete(done -> LOG.info("Pod {} stopped", podId))
        .mapEmpty();
  }

  private Future<Void> undeployAll() {
    List<Future<Void>> apis = new ArrayList<>();
    for (String id : deployments) {
      apis.add(vertx.undeploy(id));
    }
    return Future.join(apis)
        .transform(v -> dispatcherDeployment == null ? Future.succeededFuture()
            : vertx.undeploy(dispatcherDeployment))
        .transform(v -> persistenceDeployment == null ? Future.succeededFuture()
            : vertx.undeploy(persistenceDeployment));
  }

  public int httpPort() {
    return httpPort;
  }

  public int managementPort() {
    return managementPort;
  }

  public String adminToken() {
    return adminToken;
  }

  public String podId() {
    return podId;
  }

  public Pool pool() {
    return pool;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The context of this process's dispatcher, for tests that hold its event loop. */
  public Context dispatchContext() {
    return dispatcher.dispatchContext();
  }

  private static String podName() {
    String name = System.getenv("HOSTNAME");
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (Exception e) {
        name = "gateway";
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  private static String version() {
    String version = Gateway.class.getPackage().getImplementationVersion();
    return version == null ? "0.1.0-dev" : version;
  }
}
