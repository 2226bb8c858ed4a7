package com.bitville.apm.listener.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.SpikeDetector.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpikeDetectorTest {

  private static final long STEP = 60_000;
  private static final SpikeSettings DEFAULTS = SpikeSettings.from(
      new com.bitville.apm.listener.config.ConfigReader(new io.vertx.core.json.JsonObject(), "analysis").withDefaults());
  private final SpikeDetector detector = new SpikeDetector(DEFAULTS);

  /** Poisson-like noise around 15 slow requests per minute of about 700 ms each. */
  private static List<Point> quiet(int minutes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Point> series = new ArrayList<>();
    for (int i = 0; i < minutes; i++) {
      int requests = 15 + (int) Math.round(random.nextGaussian() * 4);
      double time = requests * (700 + random.nextGaussian() * 60);
      series.add(new Point(i * STEP, requests, time, random.nextDouble() < 0.1 ? 1 : 0));
    }
    return series;
  }

  @Test
  void hoursOfNoiseProduceNoSpike() {
    for (long seed = 1; seed <= 20; seed++) {
      assertEquals(List.of(), detector.detect(quiet(240, seed), STEP, 0), "seed " + seed);
    }
  }

  @Test
  void aFiveMinuteRiseIsOneSpikeCoveringItWithItsSignals() {
    List<Point> series = quiet(180, 3);
    for (int i = 120; i < 125; i++) {
      Point p = series.get(i);
      series.set(i, new Point(p.t(), p.requests() * 4, p.timeMs() * 9, p.dbWaiting()));
    }
    List<SpikeDetector.Spike> spikes = detector.detect(series, STEP, 0);
    assertEquals(1, spikes.size(), spikes.toString());
    SpikeDetector.Spike spike = spikes.get(0);
    assertEquals(120 * STEP, spike.fromMs());
    assertEquals(125 * STEP, spike.toMs());
    assertTrue(spike.signals().containsAll(List.of("requests", "time")), spike.signals().toString());
    SpikeDetector.Finding time = spike.strongest().get("time");
    assertTrue(time.value() > 5 * time.baseline(), "explains how far above the baseline: " + time);
    assertTrue(spike.score() >= DEFAULTS.threshold());
  }

  @Test
  void oneNoisyIntervalIsNotASpikeAndDatabaseWaitingAloneIs() {
    List<Point> series = quiet(120, 5);
    Point blip = series.get(100);
    series.set(100, new Point(blip.t(), blip.requests() * 5, blip.timeMs() * 5, 0));
    assertEquals(List.of(), detector.detect(series, STEP, 0));
    for (int i = 110; i < 114; i++) {
      Point p = series.get(i);
      series.set(i, new Point(p.t(), p.requests(), p.timeMs(), 6));
    }
    List<SpikeDetector.Spike> spikes = detector.detect(series, STEP, 0);
    assertEquals(1, spikes.size());
    assertEquals(List.of("db_waiting"), List.copyOf(spikes.get(0).signals()));
  }

  @Test
  void aProjectThatStartsSendingIsNotASpike() {
    List<Point> series = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      series.add(new Point(i * STEP, 0, 0, 0));
    }
    quiet(60, 4).forEach(p -> series.add(new Point(p.t() + 60 * STEP, p.requests(), p.timeMs(), p.dbWaiting())));
    assertEquals(List.of(), detector.detect(series, STEP, 0));
  }

  @Test
  void intervalsBeforeTheRangeOnlyServeAsBaseline() {
    List<Point> series = quiet(120, 9);
    for (int i = 30; i < 35; i++) {
      Point p = series.get(i);
      series.set(i, new Point(p.t(), p.requests() * 6, p.timeMs() * 6, 0));
    }
    assertEquals(1, detector.detect(series, STEP, 0).size());
    assertEquals(0, detector.detect(series, STEP, 60 * STEP).size());
  }
}
