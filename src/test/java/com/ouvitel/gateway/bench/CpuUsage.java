package com.ouvitel.gateway.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of the bench's processes from /proc: the gateway, PostgreSQL (the embedded
 * server's processes, or every process named postgres for an outside server), this load
 * generator with its receiver, and the whole machine, so that the load of anyone else on
 * the machine shows in the results.
 */
final class CpuUsage {

  private static final double TICKS = 100.0;

  private final long gatewayPid;
  private final Path postmasterPidFile;

  CpuUsage(long gatewayPid, Path postmasterPidFile) {
    this.gatewayPid = gatewayPid;
    this.postmasterPidFile = postmasterPidFile;
  }

  /**
   * CPU ticks so far: gateway, postgres, load generator, machine busy, machine total; the
   * postgres ticks are those of a reading of {@link #postgresByKind()} taken just before.
   */
  long[] snapshot(Map<String, Long> postgresByKind) {
    long postgres = postgresByKind.values().stream().mapToLong(Long::longValue).sum();
    long[] machine = machine();
    return new long[] {ticks(stat(gatewayPid)), postgres,
        ticks(stat(ProcessHandle.current().pid())), machine[0], machine[1]};
  }

  /**
   * PostgreSQL's CPU ticks so far by kind of process: the sessions ("clients"), autovacuum
   * workers, the WAL writer, the checkpointer and the background writer, the rest. A
   * process that ended between two readings takes its ticks with it.
   */
  Map<String, Long> postgresByKind() {
    Map<String, Long> kinds = new TreeMap<>();
    long postmaster = postmaster();
    for (long pid : pids()) {
      String[] stat = stat(pid);
      if (stat == null) {
        continue;
      }
      boolean ours = postmaster > 0
          ? pid == postmaster || Long.parseLong(stat[3]) == postmaster
          : stat[1].equals("(postgres)");
      if (ours) {
        kinds.merge(kind(pid), ticks(stat), Long::sum);
      }
    }
    return kinds;
  }

  private static String kind(long pid) {
    String title;
    try {
      title = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
    } catch (IOException e) {
      return "other";
    }
    if (title.contains("autovacuum worker")) {
      return "autovacuum";
    } else if (title.contains("walwriter")) {
      return "walWriter";
    } else if (title.contains("checkpointer") || title.contains("background writer")) {
      return "checkpointerAndBgWriter";
    } else if (title.contains("(") || title.contains("[local]")) {
      return "clients";
    }
    return "other";
  }

  /**
   * CPU ticks so far of the JIT compiler threads (C1 and C2) of the gateway and of this
   * load generator, in that order.
   */
  long[] compilerTicks() {
    return new long[] {compilerTicks(gatewayPid), compilerTicks(ProcessHandle.current().pid())};
  }

  /** CPU ticks so far of the JIT compiler threads of one JVM; 0 once it has ended. */
  static long compilerTicks(long pid) {
    long ticks = 0;
    try (var threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path thread : (Iterable<Path>) threads::iterator) {
        String name = Files.readString(thread.resolve("comm"));
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
          ticks += ticks(stat(thread.resolve("stat")));
        }
      }
    } catch (IOException | RuntimeException ended) {
      return ticks;
    }
    return ticks;
  }

  /** Cores that so many ticks over that many seconds kept busy. */
  static double cores(long ticks, double seconds) {
    return Math.max(0, ticks) / TICKS / seconds;
  }

  /** Cores used by each kind of PostgreSQL process between two readings. */
  static JsonObject postgresCores(Map<String, Long> before, Map<String, Long> after,
      double seconds) {
    JsonObject cores = new JsonObject();
    after.forEach((kind, ticks) -> cores.put(kind,
        round(Math.max(0, ticks - before.getOrDefault(kind, 0L)) / TICKS / seconds)));
    return cores;
  }

  /** Cores used between two snapshots over that many seconds, by whom. */
  static JsonObject cores(long[] before, long[] after, double seconds) {
    double machineCores = (after[4] - before[4]) / TICKS / seconds;
    double busy = (after[3] - before[3]) / TICKS / seconds;
    double gateway = (after[0] - before[0]) / TICKS / seconds;
    double postgres = (after[1] - before[1]) / TICKS / seconds;
    double load = (after[2] - before[2]) / TICKS / seconds;
    return new JsonObject().put("gateway", round(gateway)).put("postgres", round(postgres))
        .put("loadGenerator", round(load))
        .put("others", round(Math.max(0, busy - gateway - postgres - load)))
        .put("idle", round(Math.max(0, machineCores - busy)));
  }

  private long postmaster() {
    if (postmasterPidFile == null) {
      return -1;
    }
    try {
      return Long.parseLong(Files.readAllLines(postmasterPidFile).get(0).trim());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    try (var entries = Files.list(Path.of("/proc"))) {
      entries.forEach(entry -> {
        String name = entry.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          pids.add(Long.parseLong(name));
        }
      });
    } catch (IOException e) {
      return pids;
    }
    return pids;
  }

  private static String[] stat(long pid) {
    return stat(Path.of("/proc", Long.toString(pid), "stat"));
  }

  /**
   * The fields of a process's (or a thread's) stat file, with the command name (which may
   * hold spaces) as one.
   */
  private static String[] stat(Path file) {
    try {
      String text = Files.readString(file);
      int open = text.indexOf('(');
      int close = text.lastIndexOf(')');
      String[] rest = text.substring(close + 2).split(" ");
      String[] fields = new String[rest.length + 2];
      fields[0] = text.substring(0, open - 1);
      fields[1] = text.substring(open, close + 1);
      System.arraycopy(rest, 0, fields, 2, rest.length);
      return fields;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long ticks(String[] stat) {
    return stat == null ? 0 : Long.parseLong(stat[13]) + Long.parseLong(stat[14]);
  }

  /** Busy and total ticks of all cores, from /proc/stat. */
  private static long[] machine() {
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < cpu.length; i++) {
        total += Long.parseLong(cpu[i]);
      }
      long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 1};
    }
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
