package com.bitville.apm.pgagent.collect;

import com.bitville.apm.pgagent.db.DatabaseUnavailableException;
import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one collector on a timer. Ticks follow the collector's current interval; a tick that finds the previous
 * sample still running is skipped (and counted), never queued, so a slow server gets fewer queries, not a pile-up.
 */
public final class SampleLoop {

  private static final Logger LOG = LoggerFactory.getLogger(SampleLoop.class);

  private final Vertx vertx;
  private final Collector collector;
  private final Consumer<List<PgEnvelope>> sink;
  private boolean running;
  private boolean inFlight;
  private long timerId = -1;
  private long samples;
  private long skipped;
  private long failures;
  private long lastSampleMs;
  private long nextDueMs;

  public SampleLoop(Vertx vertx, Collector collector, Consumer<List<PgEnvelope>> sink) {
    this.vertx = vertx;
    this.collector = collector;
    this.sink = sink;
  }

  public void start() {
    running = true;
    tick();
  }

  public void stop() {
    running = false;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  public Collector collector() {
    return collector;
  }

  public long samples() {
    return samples;
  }

  public long skipped() {
    return skipped;
  }

  public long failures() {
    return failures;
  }

  public long lastSampleMs() {
    return lastSampleMs;
  }

  private void tick() {
    if (!running) {
      return;
    }
    schedule(collector.intervalMs());
    if (inFlight) {
      skipped++;
      LOG.debug("{} sample skipped: the previous one is still running", collector.name());
      return;
    }
    inFlight = true;
    collector.sample()
        .onSuccess(this::deliver)
        .onFailure(this::logFailure)
        .onComplete(done -> {
          inFlight = false;
          speedUpIfBusy();
        });
  }

  private void schedule(long delayMs) {
    nextDueMs = System.currentTimeMillis() + delayMs;
    timerId = vertx.setTimer(delayMs, id -> tick());
  }

  /** A sample that found the server busy shortens the wait already scheduled, so 1 s sampling starts at once. */
  private void speedUpIfBusy() {
    long wanted = collector.intervalMs();
    long remaining = nextDueMs - System.currentTimeMillis();
    if (running && remaining > wanted && vertx.cancelTimer(timerId)) {
      schedule(wanted);
    }
  }

  private void deliver(List<PgEnvelope> envelopes) {
    samples++;
    lastSampleMs = System.currentTimeMillis();
    if (!envelopes.isEmpty()) {
      sink.accept(envelopes);
    }
  }

  private void logFailure(Throwable failure) {
    failures++;
    if (failure instanceof DatabaseUnavailableException) {
      LOG.debug("{} sample skipped: {}", collector.name(), failure.getMessage());
    } else {
      LOG.warn("{} sample failed: {}", collector.name(), failure.toString());
    }
  }
}
