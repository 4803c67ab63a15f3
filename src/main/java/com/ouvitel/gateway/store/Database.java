package com.ouvitel.gateway.store;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the gateway's PostgreSQL is: the server of {@code DATABASE_URL}, or an embedded one
 * whose data lives in a folder and survives restarts. Blocking: call it off the event loop.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final PgConnectOptions connectOptions;
  private final EmbeddedPostgres embedded;

  private Database(PgConnectOptions connectOptions, EmbeddedPostgres embedded) {
    this.connectOptions = connectOptions;
    this.embedded = embedded;
  }

  /** The server of a {@code postgres://user:pass@host:port/db} URL. */
  public static Database external(String url) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      // The parser's own message quotes the URL, password included: it is not passed on.
      throw new IllegalArgumentException(
          "DATABASE_URL must look like postgres://user:pass@host:port/db");
    }
    return new Database(options, null);
  }

  /** Starts (or restarts on its existing data) an embedded PostgreSQL in that folder. */
  public static Database embedded(Path dataDirectory) {
    try {
      Files.createDirectories(dataDirectory);
      stopLeftOverServer(dataDirectory);
      EmbeddedPostgres postgres = EmbeddedPostgres.builder()
          .setDataDirectory(dataDirectory.toAbsolutePath())
          .setCleanDataDirectory(false)
          // The gateway stops it itself, after its last write: a hook of its own would
          // stop it while the draining gateway still gives its leases back.
          .setRegisterShutdownHook(false)
          // The data under ./data is the gateway's only copy: keep it crash-safe.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          .start();
      PgConnectOptions options = new PgConnectOptions()
          .setHost("localhost")
          .setPort(postgres.getPort())
          .setDatabase("postgres")
          .setUser("postgres");
      return new Database(options, postgres);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start the embedded PostgreSQL in " + dataDirectory, e);
    }
  }

  /**
   * Stops the PostgreSQL that a killed gateway left running on this folder: it holds the
   * data directory, and a new embedded server could not start beside it.
   */
  private static void stopLeftOverServer(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    } catch (RuntimeException unreadable) {
      return;
    }
    Optional<ProcessHandle> server = ProcessHandle.of(pid)
        .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (server.isEmpty()) {
      return;
    }
    LOG.warn("An embedded PostgreSQL (pid {}) is still running on {}, left by a gateway that "
        + "did not stop; stopping it before starting a new one", pid, dataDirectory);
    server.get().destroy();
    try {
      server.get().onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the PostgreSQL left running on " + dataDirectory
          + " (pid " + pid + ") did not stop; stop it, then start the gateway again", e);
    }
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(connectOptions);
  }

  /** Where the database is, without its password, for start-up logs. */
  public String describe() {
    String where = connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
        + connectOptions.getDatabase();
    return embedded != null ? "embedded PostgreSQL at " + where : "PostgreSQL at " + where;
  }

  /** Applies the versioned migrations of {@code db/migration}; Flyway locks across pods. */
  public void migrate() {
    String jdbcUrl = "jdbc:postgresql://" + connectOptions.getHost() + ":"
        + connectOptions.getPort() + "/" + connectOptions.getDatabase();
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl, connectOptions.getUser(), connectOptions.getPassword())
        .locations("classpath:db/migration")
        .load();
    int applied = flyway.migrate().migrationsExecuted;
    LOG.info("Database schema is at version {} ({} migrations applied now)",
        flyway.info().current().getVersion(), applied);
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        LOG.warn("The embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
      }
    }
  }
}
