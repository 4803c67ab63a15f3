package com.ouvitel.gateway.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of one test alone, in a temporary folder and on its own port, that the
 * test may stop and start again (the machine's shared server on 5432 is never touched). Made
 * with the server binaries of the machine ({@code pg_config --bindir}, or the newest
 * {@code /usr/lib/postgresql/N/bin}); as root, the server runs as the {@code postgres} user.
 */
public final class ThrowawayPostgres implements AutoCloseable {

  private final Path bin;
  private final Path data;
  private final int port;
  private final boolean asPostgresUser;
  private boolean running;
  private boolean frozen;

  private ThrowawayPostgres(Path bin, Path data, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.data = data;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** Creates and starts a fresh cluster; fails when the server binaries are missing. */
  public static ThrowawayPostgres start() {
    Path bin = serverBinaries();
    boolean root = "root".equals(System.getProperty("user.name"));
    try {
      Path data = Files.createTempDirectory("ouvitel-throwaway-pg");
      if (root) {
        UserPrincipalLookupService users = data.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(data, users.lookupPrincipalByName("postgres"));
      }
      ThrowawayPostgres postgres = new ThrowawayPostgres(bin, data.resolve("cluster"),
          GatewayProcess.freePort(), root);
      postgres.run(List.of(bin.resolve("initdb").toString(), "-D",
          postgres.data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
          "--no-sync"));
      postgres.resume();
      return postgres;
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a throwaway PostgreSQL: " + e, e);
    }
  }

  /** {@code postgres://} URL of the cluster's default database. */
  public String url() {
    return "postgres://postgres@127.0.0.1:" + port + "/postgres";
  }

  public int port() {
    return port;
  }

  /** Stops the server (fast mode: open sessions are cut, as in a crash of the service). */
  public void pause() {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast",
        "-w", "-t", "60", "stop"));
    running = false;
  }

  /** Starts the server again on the same port and data. */
  public void resume() {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
        data.resolve("server.log").toString(), "-w", "-t", "60", "-o",
        "-p " + port + " -k " + data + " -c listen_addresses=127.0.0.1 -c fsync=off "
            + "-c max_connections=60", "start"));
    running = true;
  }

  /**
   * Freezes every process of the server (SIGSTOP): connections stay open and nothing
   * answers, as when the database host hangs or the network drops packets.
   */
  public void freeze() {
    signal("-STOP");
    frozen = true;
  }

  /** Lets a frozen server go on (SIGCONT); nothing when it is not frozen. */
  public void thaw() {
    if (frozen) {
      signal("-CONT");
      frozen = false;
    }
  }

  /**
   * Signals the postmaster and every process under it. A backend the postmaster forked just
   * before the signal reached it is not in the first listing, so the listing is taken again
   * until it holds no process not yet signalled.
   */
  private void signal(String which) {
    try {
      long postmaster = Long.parseLong(
          Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
      Set<Long> signalled = new HashSet<>();
      for (int round = 0; round < 10; round++) {
        List<Long> fresh = new ArrayList<>();
        if (signalled.isEmpty()) {
          fresh.add(postmaster);
        }
        ProcessHandle.of(postmaster).orElseThrow().descendants()
            .map(ProcessHandle::pid)
            .filter(pid -> !signalled.contains(pid))
            .forEach(fresh::add);
        if (fresh.isEmpty()) {
          return;
        }
        kill(which, fresh);
        signalled.addAll(fresh);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot signal the throwaway PostgreSQL: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void kill(String which, List<Long> pids)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kill", which));
    pids.forEach(pid -> command.add(Long.toString(pid)));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    // A backend may end between the listing and the signal; only the others matter.
    boolean onlyGone = output.lines().allMatch(line -> line.contains("No such process"));
    if (process.waitFor() != 0 && !onlyGone) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }

  @Override
  public void close() {
    if (running) {
      try {
        pause();
      } catch (RuntimeException ignored) {
        // Deleting the folder below is all that is left to do.
      }
    }
    try (Stream<Path> files = Files.walk(data.getParent())) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // A temporary folder; the machine cleans it eventually.
    }
  }

  private void run(List<String> command) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    try {
      Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command.get(0) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path serverBinaries() {
    try {
      Process process = new ProcessBuilder("pg_config", "--bindir").start();
      String dir = new String(process.getInputStream().readAllBytes()).trim();
      if (process.waitFor() == 0 && Files.isExecutable(Path.of(dir, "pg_ctl"))) {
        return Path.of(dir);
      }
    } catch (IOException e) {
      // No pg_config: look in Debian's place below.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(version -> version.resolve("bin"))
          .filter(dir -> Files.isExecutable(dir.resolve("pg_ctl")))
          .max(Comparator.comparing(dir -> Integer.parseInt(
              dir.getParent().getFileName().toString().replaceAll("\\D", "0"))))
          .orElseThrow();
    } catch (Exception e) {
      throw new IllegalStateException("the PostgreSQL server binaries (pg_ctl, initdb) are "
          + "missing: install Debian's postgresql package", e);
    }
  }
}
