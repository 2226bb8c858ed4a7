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

  /**
   * @param analysis the {@code analysis} section with every key present (the configuration over its defaults,
   *     {@code ConfigReader.withDefaults()}): the defaults live in {@code listener-defaults.json} only
   */
  public static SpikeSettings from(JsonObject analysis) {
    SpikeSettings settings = new SpikeSettings(number(analysis, "baselineIntervals").intValue(),
        number(analysis, "minBaselineIntervals").intValue(), number(analysis, "threshold").doubleValue(),
        number(analysis, "minRatio").doubleValue(), number(analysis, "minIntervals").intValue(),
        number(analysis, "minRequestsPerMinute").doubleValue(),
        number(analysis, "minTimeMsPerMinute").doubleValue(), number(analysis, "minDbWaiting").doubleValue());
    if (settings.baselineIntervals < 3 || settings.minBaselineIntervals < 3
        || settings.minBaselineIntervals > settings.baselineIntervals || settings.threshold <= 0
        || settings.minRatio < 1 || settings.minIntervals < 1) {
      throw new IllegalArgumentException("analysis: baselineIntervals >= minBaselineIntervals >= 3, threshold > 0, "
          + "minRatio >= 1, minIntervals >= 1");
    }
    return settings;
  }

  private static Number number(JsonObject analysis, String key) {
    Object value = analysis.getValue(key);
    if (value instanceof Number n) {
      return n;
    }
    if (value instanceof String text) {
      try {
        return Double.valueOf(text.trim());
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException("analysis." + key + " must be a number, got '" + value + "'");
  }
}
