package com.bitville.apm.pgagent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SampleLoopTest {

  @Test
  @DisplayName("A sample slower than the interval makes the next ticks skip, never run concurrently or queue")
  void skipsOverlapping() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    Collector slow = new Collector() {
      @Override
      public String name() {
        return "slow";
      }

      @Override
      public long intervalMs() {
        return 50;
      }

      @Override
      public Future<List<PgEnvelope>> sample() {
        started.incrementAndGet();
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        Promise<List<PgEnvelope>> done = Promise.promise();
        vertx.setTimer(180, id -> {
          running.decrementAndGet();
          done.complete(List.of());
        });
        return done.future();
      }
    };
    SampleLoop[] loop = new SampleLoop[1];
    vertx.runOnContext(v -> {
      loop[0] = new SampleLoop(vertx, slow, envelopes -> { });
      loop[0].start();
    });
    Thread.sleep(1_000);
    vertx.runOnContext(v -> loop[0].stop());
    Thread.sleep(100);
    assertEquals(1, maxRunning.get(), "never two samples at once");
    assertTrue(loop[0].skipped() >= 8, "ticks during a running sample were skipped: " + loop[0].skipped());
    assertTrue(started.get() <= 7, "no queued catch-up: " + started.get());
    vertx.close();
  }

  @Test
  @DisplayName("A sample that finds the server busy shortens the wait already scheduled to the busy interval")
  void speedsUpAtOnce() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger samples = new AtomicInteger();
    Collector adaptive = new Collector() {
      @Override
      public String name() {
        return "adaptive";
      }

      @Override
      public long intervalMs() {
        return samples.get() == 0 ? 10_000 : 100; // busy from the first sample on
      }

      @Override
      public Future<List<PgEnvelope>> sample() {
        samples.incrementAndGet();
        return Future.succeededFuture(List.of());
      }
    };
    SampleLoop[] loop = new SampleLoop[1];
    vertx.runOnContext(v -> {
      loop[0] = new SampleLoop(vertx, adaptive, envelopes -> { });
      loop[0].start();
    });
    Thread.sleep(1_000);
    vertx.runOnContext(v -> loop[0].stop());
    assertTrue(samples.get() >= 5, "did not wait out the 10 s normal interval: " + samples.get());
    vertx.close();
  }
}
