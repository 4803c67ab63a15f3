package com.ouvitel.gateway.retention;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the retention job on a schedule; every pod runs it, one at a time gets the lock. */
public final class RetentionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RetentionVerticle.class);
  private static final long FIRST_RUN_DELAY_MS = 5000;

  private final RetentionJob job;
  private final RetentionJob.Settings settings;
  private long timer = -1;
  private boolean running;
  private boolean stopped;

  public RetentionVerticle(RetentionJob job, RetentionJob.Settings settings) {
    this.job = job;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setTimer(FIRST_RUN_DELAY_MS, id -> runAndReschedule());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void runAndReschedule() {
    if (running || stopped) {
      return;
    }
    running = true;
    job.run()
        .onFailure(error -> LOG.warn("The retention job failed: {}; nothing was dropped "
            + "that is not reported above, and it runs again in {}", error.getMessage(),
            settings.interval()))
        .onComplete(done -> {
          running = false;
          if (stopped) {
            return;
          }
          timer = vertx.setTimer(settings.interval().toMillis(), id -> runAndReschedule());
        });
  }
}
