package com.ouvitel.gateway.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * Durations recorded in a window, in microseconds, kept whole so that the percentiles are
 * exact. Values are recorded from the start and dropped when the window opens, so that the
 * code recording them runs the same way in the warm-up and in the window: a path first taken
 * as the window opens would have the JIT throw away and recompile the load generator's hot
 * code right then, and its stall would count as the gateway's. Nothing is recorded after
 * {@link #close()}.
 */
final class Samples {

  private long[] values = new long[4096];
  /** When each value was recorded, in nanoseconds after the window opened. */
  private long[] recordedAt = new long[4096];
  private int size;
  private volatile boolean closed;
  private volatile long openedAt;

  /** Drops what was recorded so far: the window starts now. */
  synchronized void open() {
    size = 0;
    openedAt = System.nanoTime();
  }

  void close() {
    closed = true;
  }

  boolean recording() {
    return !closed;
  }

  /** Records one duration given in nanoseconds, unless the window has closed. */
  void addNanos(long nanos) {
    if (closed) {
      return;
    }
    synchronized (this) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
        recordedAt = Arrays.copyOf(recordedAt, size * 2);
      }
      recordedAt[size] = System.nanoTime() - openedAt;
      values[size++] = nanos / 1000;
    }
  }

  /** The count and the percentiles of what was recorded, in milliseconds. */
  synchronized Summary summary() {
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    return new Summary(size, percentile(sorted, 0.50), percentile(sorted, 0.99),
        size == 0 ? 0 : sorted[size - 1] / 1000.0);
  }

  /**
   * The values above a threshold and when they came, by 100 ms of the window: whether a tail
   * is spread over the window (a busy machine) or comes in bursts (a pause, a periodic job).
   * The five 100 ms slices with the most of them, each as [ms into the window, count, max ms].
   */
  synchronized JsonObject above(double thresholdMs) {
    long threshold = Math.round(thresholdMs * 1000);
    TreeMap<Long, long[]> slices = new TreeMap<>();
    int count = 0;
    for (int i = 0; i < size; i++) {
      if (values[i] > threshold) {
        count++;
        long[] slice = slices.computeIfAbsent(recordedAt[i] / 100_000_000, k -> new long[2]);
        slice[0]++;
        slice[1] = Math.max(slice[1], values[i]);
      }
    }
    JsonArray busiest = new JsonArray();
    slices.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
        .limit(5)
        .forEach(e -> busiest.add(new JsonArray().add(e.getKey() * 100)
            .add(e.getValue()[0]).add(e.getValue()[1] / 1000.0)));
    return new JsonObject().put("thresholdMs", thresholdMs).put("count", count)
        .put("slicesWithAny", slices.size()).put("busiestSlices", busiest);
  }

  private static double percentile(long[] sorted, double fraction) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(fraction * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1000.0;
  }

  /** Count and p50, p99, max in milliseconds. */
  record Summary(long count, double p50, double p99, double max) {
  }
}
