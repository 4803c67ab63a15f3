package com.ouvitel.gateway.bench;

import java.util.Arrays;

/**
 * Durations recorded while a window is open, in microseconds, kept whole so that the
 * percentiles are exact. Recording is off until {@link #open()} and after {@link #close()}.
 */
final class Samples {

  private long[] values = new long[4096];
  private int size;
  private volatile boolean recording;

  void open() {
    recording = true;
  }

  void close() {
    recording = false;
  }

  boolean recording() {
    return recording;
  }

  /** Records one duration given in nanoseconds, if the window is open. */
  void addNanos(long nanos) {
    if (!recording) {
      return;
    }
    synchronized (this) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
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
