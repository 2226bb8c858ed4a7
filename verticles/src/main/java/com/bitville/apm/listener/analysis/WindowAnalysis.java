package com.bitville.apm.listener.analysis;

import com.bitville.apm.listener.analysis.WindowTotals.DbRow;
import com.bitville.apm.listener.analysis.WindowTotals.FunctionRow;
import com.bitville.apm.listener.analysis.WindowTotals.HostRow;
import com.bitville.apm.listener.analysis.WindowTotals.LockRow;
import com.bitville.apm.listener.analysis.WindowTotals.LogRow;
import com.bitville.apm.listener.analysis.WindowTotals.RouteRow;
import com.bitville.apm.listener.analysis.WindowTotals.SqlRow;
import com.bitville.apm.listener.analysis.WindowTotals.StatementRow;
import com.bitville.apm.shared.normalize.SqlNormalizer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Compares a window with its baseline: every route, host, function (by self time), PHP SQL fingerprint, database
 * statement and log category is ranked by the time it added, {@code window total - baseline total x (window
 * length / baseline length)}, biggest first; lock waits by their waiting time in the window. A short
 * plain-language summary ({@link Summary}) is generated from the rankings.
 */
public final class WindowAnalysis {

  /** Items per list in the answer. */
  public static final int MAX_ITEMS = 50;

  private WindowAnalysis() {
  }

  public static JsonObject compare(WindowTotals window, WindowTotals baseline, double phpThresholdMs) {
    if (baseline.fromMs() < window.toMs() && window.fromMs() < baseline.toMs()) {
      throw new IllegalArgumentException("the baseline must not overlap the window");
    }
    double scale = baseline.lengthMs() <= 0 ? 0 : (double) window.lengthMs() / baseline.lengthMs();
    Ranked ranked = new Ranked(routes(window, baseline, scale), hosts(window, baseline, scale),
        functions(window, baseline, scale), sql(window, baseline, scale), statements(window, baseline, scale),
        locks(window, baseline, scale), logs(window, baseline, scale));
    JsonObject result = new JsonObject()
        .put("window", range(window)).put("baseline", range(baseline).put("scale", SpikeDetector.round(scale)))
        .put("php_threshold_ms", phpThresholdMs)
        .put("totals", totals(window, baseline, scale))
        .put("routes", ranked.routes()).put("hosts", ranked.hosts()).put("functions", ranked.functions())
        .put("sql", ranked.sql()).put("db_statements", ranked.statements()).put("locks", ranked.locks())
        .put("logs", ranked.logs()).put("db", db(window.db(), baseline.db()));
    return result.put("summary", Summary.of(result, window.lengthMs()));
  }

  record Ranked(JsonArray routes, JsonArray hosts, JsonArray functions, JsonArray sql, JsonArray statements,
      JsonArray locks, JsonArray logs) {
  }

  private static JsonObject range(WindowTotals totals) {
    return new JsonObject().put("from", totals.fromMs()).put("to", totals.toMs());
  }

  private static JsonObject totals(WindowTotals window, WindowTotals baseline, double scale) {
    double total = window.routes().stream().mapToDouble(RouteRow::totalMs).sum();
    double before = baseline.routes().stream().mapToDouble(RouteRow::totalMs).sum();
    long count = window.routes().stream().mapToLong(RouteRow::count).sum();
    long beforeCount = baseline.routes().stream().mapToLong(RouteRow::count).sum();
    return new JsonObject().put("count", count).put("baseline_count", round(beforeCount * scale))
        .put("total_ms", round(total)).put("baseline_total_ms", round(before * scale))
        .put("added_ms", round(total - before * scale));
  }

  private static <T> Map<String, T> index(List<T> rows, Function<T, String> key) {
    return rows.stream().collect(Collectors.toMap(key, r -> r, (a, b) -> a));
  }

  private static JsonArray routes(WindowTotals window, WindowTotals baseline, double scale) {
    return ranked(window.routes(), baseline.routes(), RouteRow::route, (row, b) -> {
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      double baseCount = b == null ? 0 : b.count() * scale;
      return new JsonObject().put("route", row.route()).put("count", row.count())
          .put("total_ms", round(row.totalMs())).put("p95_ms", round(row.p95Ms()))
          .put("baseline_count", round(baseCount)).put("baseline_total_ms", round(baseTotal))
          .put("baseline_p95_ms", b == null ? null : round(b.p95Ms()))
          .put("change", baseCount > 0 ? round(row.count() / baseCount) : null)
          .put("added_ms", round(row.totalMs() - baseTotal));
    }, "added_ms");
  }

  private static JsonArray hosts(WindowTotals window, WindowTotals baseline, double scale) {
    return ranked(window.hosts(), baseline.hosts(), HostRow::host, (row, b) -> {
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      return new JsonObject().put("host", row.host()).put("count", row.count())
          .put("total_ms", round(row.totalMs())).put("baseline_count", round(b == null ? 0 : b.count() * scale))
          .put("baseline_total_ms", round(baseTotal)).put("added_ms", round(row.totalMs() - baseTotal));
    }, "added_ms");
  }

  private static JsonArray functions(WindowTotals window, WindowTotals baseline, double scale) {
    return ranked(window.functions(), baseline.functions(), FunctionRow::name, (row, b) -> {
      double baseSelf = b == null ? 0 : b.selfMs() * scale;
      return new JsonObject().put("name", row.name()).put("self_ms", round(row.selfMs()))
          .put("wall_ms", round(row.wallMs())).put("calls", row.calls()).put("requests", row.requests())
          .put("baseline_self_ms", round(baseSelf)).put("added_ms", round(row.selfMs() - baseSelf));
    }, "added_ms");
  }

  private static JsonArray sql(WindowTotals window, WindowTotals baseline, double scale) {
    return ranked(window.sql(), baseline.sql(), SqlRow::fingerprint, (row, b) -> {
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      return new JsonObject().put("fingerprint", row.fingerprint()).put("normalized", row.normalized())
          .put("count", row.count()).put("total_ms", round(row.totalMs())).put("requests", row.requests())
          .put("baseline_count", round(b == null ? 0 : b.count() * scale)).put("baseline_total_ms", round(baseTotal))
          .put("added_ms", round(row.totalMs() - baseTotal));
    }, "added_ms");
  }

  private static JsonArray statements(WindowTotals window, WindowTotals baseline, double scale) {
    return ranked(window.statements(), baseline.statements(), StatementRow::queryId, (row, b) -> {
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      return new JsonObject().put("queryid", row.queryId()).put("query", row.query())
          .put("fingerprint", phpFingerprint(row.query())).put("calls", row.calls())
          .put("total_ms", round(row.totalMs())).put("baseline_calls", round(b == null ? 0 : b.calls() * scale))
          .put("baseline_total_ms", round(baseTotal)).put("added_ms", round(row.totalMs() - baseTotal));
    }, "added_ms");
  }

  /**
   * The fingerprint the PHP side gives the same statement: pg_stat_statements replaces literals with {@code $n},
   * which the normalizer reads like literals, so the database's row links to the requests that ran it.
   */
  private static String phpFingerprint(String query) {
    return query == null ? null : SqlNormalizer.cached(query).fingerprint();
  }

  private static JsonArray locks(WindowTotals window, WindowTotals baseline, double scale) {
    Function<LockRow, String> blocker = l -> l.blockingQuery() + "\u0000" + l.blockingCorrelationId();
    return ranked(window.locks(), baseline.locks(), blocker, (row, b) -> new JsonObject()
        .put("blocking_query", row.blockingQuery())
        .put("blocking_correlation_id", row.blockingCorrelationId().isEmpty() ? null : row.blockingCorrelationId())
        .put("waiters", row.maxWaiters()).put("waiter_samples", row.waiterSamples())
        .put("wait_ms", round(row.waitMs())).put("baseline_wait_ms", round(b == null ? 0 : b.waitMs() * scale)),
        "wait_ms");
  }

  private static JsonArray logs(WindowTotals window, WindowTotals baseline, double scale) {
    return ranked(window.logs(), baseline.logs(), LogRow::category, (row, b) -> {
      double baseCount = b == null ? 0 : b.count() * scale;
      return new JsonObject().put("category", row.category()).put("count", row.count())
          .put("baseline_count", round(baseCount)).put("added", round(row.count() - baseCount));
    }, "added");
  }

  private static JsonObject db(DbRow window, DbRow baseline) {
    return new JsonObject().put("window", dbJson(window)).put("baseline", dbJson(baseline));
  }

  private static JsonObject dbJson(DbRow db) {
    double s = Math.max(1, db.samples());
    double h = Math.max(1, db.hostSamples());
    return new JsonObject().put("active", round(db.active() / s)).put("idle_in_transaction", round(db.idleInTx() / s))
        .put("waiting", round(db.waiting() / s)).put("blocked", round(db.blocked() / s))
        .put("host_load", db.hostSamples() > 0 ? round(db.loadSum() / h) : null)
        .put("cpu_percent", db.hostSamples() > 0 ? round(db.cpuSum() / h) : null)
        .put("iowait_percent", db.hostSamples() > 0 ? round(db.iowaitSum() / h) : null);
  }

  /**
   * One ranked list: each window row with its baseline row of the same key (null when the baseline has none),
   * turned into an item, biggest {@code field} first.
   */
  private static <T> JsonArray ranked(List<T> window, List<T> baseline, Function<T, String> key,
      BiFunction<T, T, JsonObject> item, String field) {
    Map<String, T> before = index(baseline, key);
    List<JsonObject> items = new ArrayList<>();
    for (T row : window) {
      items.add(item.apply(row, before.get(key.apply(row))));
    }
    return sorted(items, field);
  }

  private static JsonArray sorted(List<JsonObject> items, String field) {
    items.sort(Comparator.comparingDouble((JsonObject o) -> o.getDouble(field)).reversed());
    return new JsonArray(new ArrayList<>(items.subList(0, Math.min(MAX_ITEMS, items.size()))));
  }

  /** Upper bound of the bucket holding the given share of the requests; 0 without requests. */
  public static double percentile(Map<Long, Long> histogram, double share) {
    long total = histogram.values().stream().mapToLong(Long::longValue).sum();
    if (total == 0) {
      return 0;
    }
    long target = (long) Math.ceil(total * share);
    long seen = 0;
    for (Map.Entry<Long, Long> bucket : new java.util.TreeMap<>(histogram).entrySet()) {
      seen += bucket.getValue();
      if (seen >= target) {
        return RecordRollup.upperMs(bucket.getKey());
      }
    }
    return 0;
  }

  static double round(double value) {
    return SpikeDetector.round(value);
  }
}
