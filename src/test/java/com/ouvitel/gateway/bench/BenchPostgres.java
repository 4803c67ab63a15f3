package com.ouvitel.gateway.bench;

import com.ouvitel.gateway.store.Database;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench's PostgreSQL: a throwaway database on the server of {@code DATABASE_URL} when it
 * is set (dropped at the end), else an embedded server of its own under target/bench with
 * pg_stat_statements loaded (stopped at the end).
 */
final class BenchPostgres implements AutoCloseable {

  private final EmbeddedPostgres embedded;
  private final String serverUrl;
  private final String database;

  private BenchPostgres(EmbeddedPostgres embedded, String serverUrl, String database) {
    this.embedded = embedded;
    this.serverUrl = serverUrl;
    this.database = database;
  }

  static BenchPostgres start(String databaseUrl, Path dataDir) {
    String database = "ouvitel_bench_" + ProcessHandle.current().pid();
    if (databaseUrl != null && !databaseUrl.isBlank()) {
      BenchPostgres postgres = new BenchPostgres(null, serverOf(databaseUrl), database);
      postgres.dropLeftovers();
      postgres.execute("postgres", "CREATE DATABASE " + database);
      return postgres;
    }
    try {
      stopLeftoverServer(dataDir);
      deleteTree(dataDir);
      Files.createDirectories(dataDir);
      EmbeddedPostgres server = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir).setCleanDataDirectory(true)
          .setServerConfig("shared_preload_libraries", "pg_stat_statements")
          .setServerConfig("max_connections", "100")
          .setServerConfig("shared_buffers", "256MB")
          // As crash-safe as the gateway's own embedded server: the library's default turns
          // synchronous_commit off, which would acknowledge events before their WAL is on
          // disk.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          .start();
      BenchPostgres postgres = new BenchPostgres(server,
          "postgres://postgres@127.0.0.1:" + server.getPort() + "/%s", database);
      postgres.execute("postgres", "CREATE DATABASE " + database);
      return postgres;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the embedded PostgreSQL: " + e, e);
    }
  }

  /**
   * The server part of a {@code postgres://} URL, for naming the bench's own databases on it:
   * the scheme, credentials, host and port (5432 when it names none), and any query
   * parameters (such as {@code sslmode}) as a placeholder {@code %s} for the database.
   */
  static String serverOf(String databaseUrl) {
    URI uri = URI.create(databaseUrl);
    if (uri.getHost() == null) {
      throw new IllegalStateException("DATABASE_URL names no host; expected "
          + "postgres://user:password@host:port/database");
    }
    String user = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@";
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    // Percent-encoded characters stay as they are, outside the format's placeholder.
    return (uri.getScheme() + "://" + user + uri.getHost() + ":" + port).replace("%", "%%")
        + "/%s" + query.replace("%", "%%");
  }

  /** The URL of a database on the bench's server. */
  private String urlOf(String name) {
    return serverUrl.formatted(name);
  }

  /** The {@code postgres://} URL of the bench database. */
  String url() {
    return urlOf(database);
  }

  /**
   * Databases that earlier runs could not drop (killed with SIGKILL): named after a process
   * that no longer runs here, with nobody connected. Dropped before this run makes its own.
   */
  private void dropLeftovers() {
    List<String> leftovers = new ArrayList<>();
    try (Connection connection = connect(urlOf("postgres"));
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery("""
            SELECT datname FROM pg_database d
            WHERE datname ~ '^ouvitel_bench_[0-9]+(_raw)?$'
              AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
            """)) {
      while (rows.next()) {
        leftovers.add(rows.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    for (String name : leftovers) {
      long pid = Long.parseLong(name.substring("ouvitel_bench_".length()).replace("_raw", ""));
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      BenchMain.log("dropping " + name + ", left by a run that was killed");
      drop(name);
    }
  }

  /**
   * The embedded server of a run that was killed with SIGKILL outlives it (its postmaster
   * runs on its own): stopped (fast shutdown) before its data directory is deleted.
   */
  private static void stopLeftoverServer(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
    if (!first.matches("[0-9]+")) {
      return;
    }
    var postmaster = ProcessHandle.of(Long.parseLong(first))
        .filter(process -> process.info().command().orElse("").contains("postgres"));
    if (postmaster.isEmpty()) {
      return;
    }
    BenchMain.log("stopping the PostgreSQL of a run that was killed (pid " + first + ")");
    try {
      new ProcessBuilder("kill", "-INT", first).inheritIO().start().waitFor();
      postmaster.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      postmaster.get().destroyForcibly();
    }
  }

  /**
   * A database of its own for the raw-insert baseline, with the gateway's schema, so that
   * its rows (and the vacuuming of them) never weigh on the gateway's scenarios. Dropped by
   * {@link #dropBaselineDatabase()}.
   */
  String baselineDatabaseUrl() {
    execute("postgres", "CREATE DATABASE " + baselineDatabase());
    String url = urlOf(baselineDatabase());
    Database.external(url).migrate();
    return url;
  }

  void dropBaselineDatabase() {
    drop(baselineDatabase());
  }

  private String baselineDatabase() {
    return database + "_raw";
  }

  boolean embedded() {
    return embedded != null;
  }

  String describe() {
    return (embedded != null ? "embedded PostgreSQL " : "PostgreSQL of DATABASE_URL ")
        + URI.create(url()).getHost() + ":" + URI.create(url()).getPort() + "/" + database;
  }

  /** The server's settings that decide what a commit costs, for the results. */
  JsonObject durability() {
    JsonObject settings = new JsonObject();
    try (Connection connection = connect(url());
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery("""
            SELECT name, setting FROM pg_settings
            WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method',
                           'shared_buffers', 'max_wal_size', 'server_version')
            ORDER BY name
            """)) {
      while (rows.next()) {
        settings.put(rows.getString(1), rows.getString(2));
      }
    } catch (SQLException e) {
      settings.put("error", e.getMessage());
    }
    return settings;
  }

  private void drop(String name) {
    try {
      execute("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          + "WHERE datname = '" + name + "' AND pid <> pg_backend_pid()",
          "DROP DATABASE IF EXISTS " + name);
    } catch (RuntimeException e) {
      System.err.println("could not drop the bench database " + name + ": " + e.getMessage());
    }
  }

  /** Runs statements on a database of the bench's server. */
  void execute(String on, String... statements) {
    try (Connection connection = connect(urlOf(on));
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** A JDBC connection to the database of a {@code postgres://} URL. */
  static Connection connect(String url) throws SQLException {
    URI uri = URI.create(url);
    String info = uri.getUserInfo();
    String user = info == null ? "postgres" : info.split(":")[0];
    String password = info != null && info.contains(":") ? info.split(":", 2)[1] : "";
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":"
        + (uri.getPort() == -1 ? 5432 : uri.getPort()) + uri.getPath() + query, user,
        password);
  }

  String database() {
    return database;
  }

  /**
   * Drops the bench databases of a server of {@code DATABASE_URL}; stops the embedded one,
   * whose data directory the next run deletes anyway (and which may already be stopping when
   * the bench is interrupted: the library stops it from a shutdown hook of its own).
   */
  @Override
  public void close() {
    if (embedded == null) {
      drop(database);
      drop(baselineDatabase());
    } else {
      try {
        embedded.close();
      } catch (IOException e) {
        System.err.println("the embedded PostgreSQL did not stop cleanly: " + e.getMessage());
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }
}
