package com.ouvitel.gateway.bench;

import io.vertx.core.buffer.Buffer;

/**
 * The events the load generator sends: {@code print.success} with the send time in nanoseconds
 * in {@code jobId} (as {@code j<nanos>}), which the receiver reads back to measure the lag.
 */
final class EventBodies {

  private EventBodies() {
  }

  static String event(long sentNanos) {
    return "{\"event\":\"print.success\",\"payload\":{\"jobId\":\"j" + sentNanos
        + "\",\"printerToken\":\"printer_bench_01\",\"timestamp\":\"2026-01-06T12:00:00Z\"}}";
  }

  static Buffer single(long sentNanos) {
    return Buffer.buffer(event(sentNanos));
  }

  static Buffer batch(int size, long sentNanos) {
    String one = event(sentNanos);
    StringBuilder body = new StringBuilder(16 + size * (one.length() + 1));
    body.append("{\"events\":[");
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        body.append(',');
      }
      body.append(one);
    }
    return Buffer.buffer(body.append("]}").toString());
  }
}
