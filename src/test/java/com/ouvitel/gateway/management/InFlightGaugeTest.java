package com.ouvitel.gateway.management;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The in-flight gauge")
class InFlightGaugeTest {

  @Test
  @DisplayName("still reads its supplier after a garbage collection cleared weak references")
  void survives_garbage_collection() {
    GatewayMetrics metrics = new GatewayMetrics();
    int[] held = {7};
    // Built the way the gateway passes it: a capturing reference that nobody else keeps.
    metrics.inFlight(supplierOf(held));
    assertTrue(metrics.scrape().contains("ouvitel_deliveries_in_flight 7.0"), "before GC");

    WeakReference<Object> sentinel = new WeakReference<>(new Object());
    for (int i = 0; i < 20 && sentinel.get() != null; i++) {
      System.gc();
    }
    assertNull(sentinel.get(), "a collection cleared weak references, so the test is real");
    held[0] = 3;
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("ouvitel_deliveries_in_flight 3.0"),
        "after GC the gauge still reads the dispatcher: " + grep(scrape));
  }

  private static IntSupplier supplierOf(int[] held) {
    return () -> held[0];
  }

  private static String grep(String scrape) {
    return scrape.lines().filter(line -> line.startsWith("ouvitel_deliveries_in_flight"))
        .findFirst().orElse("(no line)");
  }
}
