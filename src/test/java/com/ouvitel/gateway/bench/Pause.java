package com.ouvitel.gateway.bench;

/** Sleeps of the bench's main thread, which never runs on an event loop. */
final class Pause {

  private Pause() {
  }

  static void millis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
