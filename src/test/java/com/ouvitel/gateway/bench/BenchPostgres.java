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
      URI uri = URI.create(databaseUrl);
      String server = uri.getScheme() + "://" + uri.getRawAuthority();
      BenchPostgres postgres = new BenchPostgres(null, server, database);
      postgres.execute("postgres", "CREATE DATABASE " + database);
      return postgres;
    }
    try {
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
          "postgres://postgres@127.0.0.1:" + server.getPort(), database);
      postgres.execute("postgres", "CREATE DATABASE " + database);
      return postgres;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the embedded PostgreSQL: " + e, e);
    }
  }

  /** The {@code postgres://} URL of the bench database. */
  String url() {
    return serverUrl + "/" + database;
  }

  /**
   * A database of its own for the raw-insert baseline, with the gateway's schema, so that
   * its rows (and the vacuuming of them) never weigh on the gateway's scenarios. Dropped by
   * {@link #dropBaselineDatabase()}.
   */
  String baselineDatabaseUrl() {
    execute("postgres", "CREATE DATABASE " + baselineDatabase());
    String url = serverUrl + "/" + baselineDatabase();
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
    try (Connection connection = connect(serverUrl + "/" + on);
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
    return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":"
        + uri.getPort() + uri.getPath(), user, password);
  }

  String database() {
    return database;
  }

  @Override
  public void close() {
    drop(database);
    drop(baselineDatabase());
    if (embedded != null) {
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
