package com.ouvitel.gateway.store;

/** Percentiles from a histogram of latencies with fixed bucket bounds. */
public final class LatencyHistogram {

  private LatencyHistogram() {
  }

  /**
   * The p-quantile (0 < p <= 1) of the counted values, or null when nothing was counted.
   * bounds[i] is the lowest value of bucket i; the estimate is linear within the bucket
   * that holds the wanted rank, and the lower bound of the last, open bucket.
   */
  public static Integer percentile(int[] bounds, int[] counts, double p) {
    long total = 0;
    for (int count : counts) {
      total += count;
    }
    if (total == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(p * total));
    long below = 0;
    for (int i = 0; i < counts.length; i++) {
      if (below + counts[i] >= rank) {
        if (i + 1 >= bounds.length) {
          return bounds[i];
        }
        double within = (double) (rank - below) / counts[i];
        return (int) Math.round(bounds[i] + (bounds[i + 1] - bounds[i]) * within);
      }
      below += counts[i];
    }
    return bounds[bounds.length - 1];
  }
}
