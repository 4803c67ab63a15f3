package com.ouvitel.gateway.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL of a test run: a fresh database on the server at 127.0.0.1:5432 when one
 * answers (CI machines run one), else an embedded PostgreSQL. One per JVM; tests share it
 * and keep apart by creating their own accounts.
 */
public final class TestDatabase {

  private static String url;

  private TestDatabase() {
  }

  /** A {@code postgres://} URL of the run's database. */
  public static synchronized String url() {
    if (url == null) {
      url = create();
    }
    return url;
  }

  /** A further empty database on the same server, for tests that need their own schema. */
  public static synchronized String freshDatabase() {
    String base = url();
    String name = "ouvitel_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong())
        .replace("-", "");
    String server = base.substring(0, base.lastIndexOf('/'));
    execute("jdbc:" + server.replace("postgres://postgres@", "postgresql://") + "/postgres",
        "CREATE DATABASE " + name);
    return server + "/" + name;
  }

  /** Drops a database made by {@link #freshDatabase()}, cutting sessions left on it. */
  public static synchronized void drop(String databaseUrl) {
    String server = databaseUrl.substring(0, databaseUrl.lastIndexOf('/'));
    String name = databaseUrl.substring(databaseUrl.lastIndexOf('/') + 1);
    execute("jdbc:" + server.replace("postgres://postgres@", "postgresql://") + "/postgres",
        "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  /** Runs one SQL statement on the database of that URL; the first column of row 1. */
  public static Object queryValue(String databaseUrl, String sql) {
    String jdbc = "jdbc:" + databaseUrl.replace("postgres://postgres@", "postgresql://");
    try (Connection connection = DriverManager.getConnection(jdbc, "postgres", "");
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getObject(1) : null;
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private static String create() {
    String local = "jdbc:postgresql://127.0.0.1:5432/postgres";
    String name = "ouvitel_test_" + ProcessHandle.current().pid();
    try {
      execute(local, "DROP DATABASE IF EXISTS " + name);
      execute(local, "CREATE DATABASE " + name);
      return "postgres://postgres@127.0.0.1:5432/" + name;
    } catch (RuntimeException noLocalServer) {
      return embedded();
    }
  }

  private static String embedded() {
    try {
      EmbeddedPostgres postgres = EmbeddedPostgres.builder()
          .setDataDirectory(Files.createTempDirectory("ouvitel-test-pg"))
          .setCleanDataDirectory(true)
          .start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (Exception ignored) {
          // The JVM is exiting anyway.
        }
      }));
      return "postgres://postgres@localhost:" + postgres.getPort() + "/postgres";
    } catch (Exception e) {
      throw new IllegalStateException("no PostgreSQL for the tests: " + e.getMessage(), e);
    }
  }

  private static void execute(String jdbcUrl, String sql) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, "postgres", "");
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Runs one SQL statement on the run's database and returns the first column of row 1. */
  public static Object queryValue(String sql) {
    return queryValue(url(), sql);
  }
}
