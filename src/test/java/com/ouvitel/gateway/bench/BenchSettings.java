package com.ouvitel.gateway.bench;

import java.time.Duration;

/**
 * How long and how hard each scenario runs. The full run measures; the smoke run only
 * shows that every scenario works end to end, in a second or two each.
 *
 * @param warmUp load before a measured window, not counted
 * @param warmUpCap the longest warm-up: past {@code warmUp} it goes on while the JIT
 *     compilers of the gateway and the load generator are busy (see {@link WarmUp})
 * @param window the measured window of a scenario
 * @param connections connections (and requests in flight) of the single-event ingest
 * @param batchSize events of one {@code POST /v1/events/batch}
 * @param batchConnections batch requests in flight
 * @param endpoints receiver ports of the end-to-end scenario (one account and webhook each)
 * @param outstanding end to end at full load: events sent but not yet received, at most
 * @param fixedRate events per second of the fixed-rate end-to-end run
 * @param isolationRate events per second to each of the healthy and the stalled endpoint
 * @param rawConnections PostgreSQL connections of the raw-insert baseline
 * @param minimumSamples a window goes on (up to 30 s more) until each run and sink in it
 *     has counted that many; a loaded machine can otherwise leave a short window empty
 */
record BenchSettings(
    String mode, Duration warmUp, Duration warmUpCap, Duration window, int connections,
    int batchSize, int batchConnections, int endpoints, int outstanding, int fixedRate,
    int isolationRate, int rawConnections, int minimumSamples) {

  /**
   * The measuring run; BENCH_WARMUP_SECONDS, BENCH_WARMUP_MAX_SECONDS, BENCH_WINDOW_SECONDS
   * and BENCH_FIXED_RATE override its times and the fixed rate, for working on one figure.
   */
  static BenchSettings full() {
    return new BenchSettings("full", seconds("BENCH_WARMUP_SECONDS", 12),
        seconds("BENCH_WARMUP_MAX_SECONDS", 36), seconds("BENCH_WINDOW_SECONDS", 10), 128,
        100, 8, 8, 1500, number("BENCH_FIXED_RATE", 2000), 1000, 4, 1);
  }

  private static Duration seconds(String variable, int otherwise) {
    return Duration.ofSeconds(number(variable, otherwise));
  }

  private static int number(String variable, int otherwise) {
    String value = System.getenv(variable);
    return value == null || value.isBlank() ? otherwise : Integer.parseInt(value.trim());
  }

  static BenchSettings smoke() {
    return new BenchSettings("smoke", Duration.ofMillis(300), Duration.ofMillis(300),
        Duration.ofMillis(1200), 16, 20, 2, 2, 200, 200, 100, 2, 20);
  }

  /** The warm-up of each measured window. */
  WarmUp warmUpBeforeWindow() {
    return new WarmUp(warmUp, warmUpCap);
  }

  boolean smokeRun() {
    return mode.equals("smoke");
  }

  /** How long each side of a technique measured apart runs: once to warm up, once timed. */
  Duration techniqueTime() {
    return smokeRun() ? Duration.ofMillis(100) : Duration.ofSeconds(2);
  }

  /** Attempts in the day that the retention measurement removes. */
  int retentionRows() {
    return smokeRun() ? 2_000 : 300_000;
  }
}
