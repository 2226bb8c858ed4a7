package com.bitville.apm.listener.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Marks intervals whose slow-request count, total request time or database waiting rise well above a robust
 * baseline of the preceding period. For each signal and interval: the baseline is the median of the preceding
 * {@code baselineIntervals} values and the spread is 1.4826 x their median absolute deviation (floored, so a
 * flat baseline does not make every wiggle infinite); the interval is flagged when its value is at least
 * {@code threshold} spreads above the median, at least {@code minRatio} times the median, and above it by at least
 * the signal's minimum rise. Flagged intervals at most one interval apart form one spike; a spike needs
 * {@code minIntervals} flagged intervals. The baseline never reaches back before the project's first data (so a
 * project that starts sending is not a spike), and an interval with fewer than {@code minBaselineIntervals}
 * preceding intervals gets no verdict. Every spike says which signals fired and how far above their baseline.
 */
public final class SpikeDetector {

  /** Signal names as the API reports them. */
  public static final String REQUESTS = "requests";
  public static final String TIME = "time";
  public static final String DB_WAITING = "db_waiting";

  /** One interval of the series: slow requests, their summed time, average waiting database sessions. */
  public record Point(long t, double requests, double timeMs, double dbWaiting) {
    boolean isEmpty() {
      return requests == 0 && timeMs == 0 && dbWaiting == 0;
    }

    double value(String signal) {
      return switch (signal) {
        case REQUESTS -> requests;
        case TIME -> timeMs;
        default -> dbWaiting;
      };
    }
  }

  /** Why one interval was flagged, for one signal. */
  public record Finding(String signal, double value, double baseline, double score) {
  }

  public record Spike(long fromMs, long toMs, long peakMs, double score, Set<String> signals,
      Map<String, Finding> strongest) {

    public JsonObject toJson() {
      JsonArray details = new JsonArray();
      strongest.values().forEach(f -> details.add(new JsonObject().put("signal", f.signal())
          .put("value", round(f.value())).put("baseline", round(f.baseline())).put("score", round(f.score()))
          .put("ratio", f.baseline() > 0 ? round(f.value() / f.baseline()) : null)));
      return new JsonObject().put("from", fromMs).put("to", toMs).put("peak", peakMs).put("score", round(score))
          .put("signals", new JsonArray(new ArrayList<>(signals))).put("details", details);
    }
  }

  private static final List<String> SIGNALS = List.of(REQUESTS, TIME, DB_WAITING);
  private static final double MAD_TO_SIGMA = 1.4826;
  private static final double MIN_RELATIVE_SPREAD = 0.1;

  private final SpikeSettings settings;

  public SpikeDetector(SpikeSettings settings) {
    this.settings = settings;
  }

  /**
   * @param series consecutive intervals of {@code stepMs}, oldest first, including the lead-in before the range of
   *     interest (its first {@code baselineIntervals} only serve as baseline)
   * @param fromMs spikes are reported for intervals at or after this time
   */
  public List<Spike> detect(List<Point> series, long stepMs, long fromMs) {
    List<Spike> spikes = new ArrayList<>();
    int firstData = 0;
    while (firstData < series.size() && series.get(firstData).isEmpty()) {
      firstData++;
    }
    List<Integer> flagged = new ArrayList<>();
    Map<Integer, List<Finding>> findings = new LinkedHashMap<>();
    for (int i = 0; i < series.size(); i++) {
      if (series.get(i).t() < fromMs) {
        continue;
      }
      List<Finding> found = findings(series, i, stepMs, firstData);
      if (!found.isEmpty()) {
        flagged.add(i);
        findings.put(i, found);
      }
    }
    int start = 0;
    for (int k = 1; k <= flagged.size(); k++) {
      if (k == flagged.size() || flagged.get(k) - flagged.get(k - 1) > 2) {
        List<Integer> run = flagged.subList(start, k);
        if (run.size() >= settings.minIntervals()) {
          spikes.add(spike(series, run, findings, stepMs));
        }
        start = k;
      }
    }
    return spikes;
  }

  private List<Finding> findings(List<Point> series, int index, long stepMs, int firstData) {
    int from = Math.max(firstData, index - settings.baselineIntervals());
    if (index - from < settings.minBaselineIntervals()) {
      return List.of();
    }
    double minutes = stepMs / 60_000.0;
    List<Finding> found = new ArrayList<>();
    for (String signal : SIGNALS) {
      double[] baseline = new double[index - from];
      for (int j = from; j < index; j++) {
        baseline[j - from] = series.get(j).value(signal);
      }
      double median = median(baseline);
      double[] deviations = Arrays.stream(baseline).map(v -> Math.abs(v - median)).toArray();
      double minRise = minRise(signal) * minutes;
      double spread = Math.max(MAD_TO_SIGMA * median(deviations), Math.max(MIN_RELATIVE_SPREAD * median, minRise
          / settings.threshold()));
      double value = series.get(index).value(signal);
      double score = (value - median) / spread;
      if (score >= settings.threshold() && value >= settings.minRatio() * median && value - median >= minRise) {
        found.add(new Finding(signal, value, median, score));
      }
    }
    return found;
  }

  private double minRise(String signal) {
    return switch (signal) {
      case REQUESTS -> settings.minRequestsPerMinute();
      case TIME -> settings.minTimeMsPerMinute();
      default -> settings.minDbWaiting();
    };
  }

  private static Spike spike(List<Point> series, List<Integer> run, Map<Integer, List<Finding>> findings,
      long stepMs) {
    Set<String> signals = new LinkedHashSet<>();
    Map<String, Finding> strongest = new LinkedHashMap<>();
    double best = 0;
    long peak = series.get(run.get(0)).t();
    for (int index : run) {
      for (Finding f : findings.get(index)) {
        signals.add(f.signal());
        strongest.merge(f.signal(), f, (a, b) -> a.score() >= b.score() ? a : b);
        if (f.score() > best) {
          best = f.score();
          peak = series.get(index).t();
        }
      }
    }
    return new Spike(series.get(run.get(0)).t(), series.get(run.get(run.size() - 1)).t() + stepMs, peak, best,
        signals, strongest);
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return 0;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
