package com.ouvitel.gateway.bench;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The warm-up before a measured window, with the load already running: the set time, then
 * on, a slice at a time, until the JIT compilers of the JVMs under load are quiet, up to a
 * cap. On a slow machine C2 still compiles the hot paths long after the set time (on the
 * machine of 2026-12-04, each compilation took 0.1-0.9 s and the gateway's compilers used
 * 0.4-0.6 of a core until 35-45 s into the first scenario); a window opened then measures
 * code that is still partly interpreted: durable ingest gave 2,972 events/s at 451 µs of
 * gateway CPU each after 12 s, and 11,019/s at 80 µs after 60 s.
 */
final class WarmUp {

  /** The compiler threads of all the JVMs together under this many cores count as quiet. */
  static final double QUIET_CORES = 0.05;
  private static final long SLICE_MILLIS = 2000;

  private final Duration least;
  private final Duration most;

  WarmUp(Duration least, Duration most) {
    this.least = least;
    this.most = most.compareTo(least) < 0 ? least : most;
  }

  /**
   * Waits out the warm-up; {@code compilerTicks} reads the CPU ticks of the compiler threads
   * so far. Answers how long it took and whether the compilers were quiet at its end.
   */
  JsonObject await(LongSupplier compilerTicks) {
    long started = System.nanoTime();
    Pause.millis(least.toMillis());
    long before = compilerTicks.getAsLong();
    boolean quiet = false;
    while (!quiet && elapsedMillis(started) + SLICE_MILLIS <= most.toMillis()) {
      Pause.millis(SLICE_MILLIS);
      long after = compilerTicks.getAsLong();
      quiet = CpuUsage.cores(after - before, SLICE_MILLIS / 1000.0) < QUIET_CORES;
      before = after;
    }
    return new JsonObject().put("seconds", CpuUsage.round(elapsedMillis(started) / 1000.0))
        .put("compilersQuiet", quiet);
  }

  private static long elapsedMillis(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }
}
