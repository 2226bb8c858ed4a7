package com.bitville.apm.listener.analysis;

import io.vertx.core.json.JsonObject;

/**
 * Thresholds of spike detection ({@code analysis.*} in the configuration).
 *
 * @param baselineIntervals how many preceding intervals form an interval's baseline
 * @param minBaselineIntervals fewer preceding intervals than this: no verdict for the interval
 * @param threshold robust z-score (distance from the baseline median in scaled MADs) an interval must reach
 * @param minRatio the value must also be at least this multiple of the baseline median
 * @param minIntervals flagged intervals a spike needs (one noisy interval is not a spike)
 * @param minRequestsPerMinute, minTimeMsPerMinute, minDbWaiting the smallest rise that can count, per signal
 */
public record SpikeSettings(int baselineIntervals, int minBaselineIntervals, double threshold, double minRatio,
    int minIntervals, double minRequestsPerMinute, double minTimeMsPerMinute, double minDbWaiting) {

  public static final SpikeSettings DEFAULTS = new SpikeSettings(60, 10, 6.0, 2.0, 2, 5, 5_000, 2.0);

  public static SpikeSettings from(JsonObject config) {
    JsonObject a = config.getJsonObject("analysis", new JsonObject());
    SpikeSettings d = DEFAULTS;
    SpikeSettings settings = new SpikeSettings(a.getInteger("baselineIntervals", d.baselineIntervals),
        a.getInteger("minBaselineIntervals", d.minBaselineIntervals), a.getDouble("threshold", d.threshold),
        a.getDouble("minRatio", d.minRatio), a.getInteger("minIntervals", d.minIntervals),
        a.getDouble("minRequestsPerMinute", d.minRequestsPerMinute),
        a.getDouble("minTimeMsPerMinute", d.minTimeMsPerMinute), a.getDouble("minDbWaiting", d.minDbWaiting));
    if (settings.baselineIntervals < 3 || settings.minBaselineIntervals < 3
        || settings.minBaselineIntervals > settings.baselineIntervals || settings.threshold <= 0
        || settings.minRatio < 1 || settings.minIntervals < 1) {
      throw new IllegalArgumentException("analysis: baselineIntervals >= minBaselineIntervals >= 3, threshold > 0, "
          + "minRatio >= 1, minIntervals >= 1");
    }
    return settings;
  }
}
