package com.bitville.apm.pgagent.collect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The arithmetic of pg_stat_statements deltas, kept free of I/O so it can be tested exactly. The first sample only
 * sets the baseline. An entry whose calls went down was reset or evicted and re-created: its current counters are
 * the delta. An entry absent from the baseline is new since the last sample: same. An entry gone since the last
 * sample was evicted (or reset) and is counted. After a global reset every entry counts from zero.
 */
public final class StatementDeltas {

  /** One entry of a sample: key is queryid/userid/dbid/toplevel, values by canonical column name. */
  public record Entry(String key, Map<String, Double> values) {
  }

  /** What changed since the previous sample. */
  public record Result(List<Entry> changed, int evicted, boolean baselineOnly) {
  }

  private Map<String, Map<String, Double>> baseline;

  public Result next(List<Entry> sample, boolean globalReset) {
    Map<String, Map<String, Double>> current = new HashMap<>();
    sample.forEach(e -> current.put(e.key(), e.values()));
    Map<String, Map<String, Double>> previous = baseline;
    baseline = current;
    if (previous == null) {
      return new Result(List.of(), 0, true);
    }
    List<Entry> changed = new ArrayList<>();
    for (Entry entry : sample) {
      Map<String, Double> before = globalReset ? null : previous.get(entry.key());
      Map<String, Double> delta = delta(entry.values(), before);
      if (delta.getOrDefault("calls", 0.0) > 0) {
        changed.add(new Entry(entry.key(), delta));
      }
    }
    int evicted = (int) previous.keySet().stream().filter(key -> !current.containsKey(key)).count();
    return new Result(changed, evicted, false);
  }

  private static Map<String, Double> delta(Map<String, Double> now, Map<String, Double> before) {
    boolean restarted = before == null || now.getOrDefault("calls", 0.0) < before.getOrDefault("calls", 0.0);
    Map<String, Double> delta = new HashMap<>(now);
    if (!restarted) {
      for (String counter : StatementColumns.COUNTERS) {
        delta.put(counter, Math.max(0.0, now.getOrDefault(counter, 0.0) - before.getOrDefault(counter, 0.0)));
      }
    }
    return delta;
  }
}
