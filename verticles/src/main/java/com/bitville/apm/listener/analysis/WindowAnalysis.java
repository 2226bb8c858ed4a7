package com.bitville.apm.listener.analysis;

import com.bitville.apm.listener.analysis.WindowTotals.DbRow;
import com.bitville.apm.listener.analysis.WindowTotals.FunctionRow;
import com.bitville.apm.listener.analysis.WindowTotals.HostRow;
import com.bitville.apm.listener.analysis.WindowTotals.LockRow;
import com.bitville.apm.listener.analysis.WindowTotals.LogRow;
import com.bitville.apm.listener.analysis.WindowTotals.RouteRow;
import com.bitville.apm.listener.analysis.WindowTotals.SqlRow;
import com.bitville.apm.listener.analysis.WindowTotals.StatementRow;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
    Map<String, RouteRow> before = index(baseline.routes(), RouteRow::route);
    List<JsonObject> items = new ArrayList<>();
    for (RouteRow row : window.routes()) {
      RouteRow b = before.get(row.route());
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      double baseCount = b == null ? 0 : b.count() * scale;
      items.add(new JsonObject().put("route", row.route()).put("count", row.count())
          .put("total_ms", round(row.totalMs())).put("p95_ms", round(row.p95Ms()))
          .put("baseline_count", round(baseCount)).put("baseline_total_ms", round(baseTotal))
          .put("baseline_p95_ms", b == null ? null : round(b.p95Ms()))
          .put("change", baseCount > 0 ? round(row.count() / baseCount) : null)
          .put("added_ms", round(row.totalMs() - baseTotal)));
    }
    return sorted(items, "added_ms");
  }

  private static JsonArray hosts(WindowTotals window, WindowTotals baseline, double scale) {
    Map<String, HostRow> before = index(baseline.hosts(), HostRow::host);
    List<JsonObject> items = new ArrayList<>();
    for (HostRow row : window.hosts()) {
      HostRow b = before.get(row.host());
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      items.add(new JsonObject().put("host", row.host()).put("count", row.count())
          .put("total_ms", round(row.totalMs())).put("baseline_count", round(b == null ? 0 : b.count() * scale))
          .put("baseline_total_ms", round(baseTotal)).put("added_ms", round(row.totalMs() - baseTotal)));
    }
    return sorted(items, "added_ms");
  }

  private static JsonArray functions(WindowTotals window, WindowTotals baseline, double scale) {
    Map<String, FunctionRow> before = index(baseline.functions(), FunctionRow::name);
    List<JsonObject> items = new ArrayList<>();
    for (FunctionRow row : window.functions()) {
      FunctionRow b = before.get(row.name());
      double baseSelf = b == null ? 0 : b.selfMs() * scale;
      items.add(new JsonObject().put("name", row.name()).put("self_ms", round(row.selfMs()))
          .put("wall_ms", round(row.wallMs())).put("calls", row.calls()).put("requests", row.requests())
          .put("baseline_self_ms", round(baseSelf)).put("added_ms", round(row.selfMs() - baseSelf)));
    }
    return sorted(items, "added_ms");
  }

  private static JsonArray sql(WindowTotals window, WindowTotals baseline, double scale) {
    Map<String, SqlRow> before = index(baseline.sql(), SqlRow::fingerprint);
    List<JsonObject> items = new ArrayList<>();
    for (SqlRow row : window.sql()) {
      SqlRow b = before.get(row.fingerprint());
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      items.add(new JsonObject().put("fingerprint", row.fingerprint()).put("normalized", row.normalized())
          .put("count", row.count()).put("total_ms", round(row.totalMs())).put("requests", row.requests())
          .put("baseline_count", round(b == null ? 0 : b.count() * scale)).put("baseline_total_ms", round(baseTotal))
          .put("added_ms", round(row.totalMs() - baseTotal)));
    }
    return sorted(items, "added_ms");
  }

  private static JsonArray statements(WindowTotals window, WindowTotals baseline, double scale) {
    Map<String, StatementRow> before = index(baseline.statements(), StatementRow::queryId);
    List<JsonObject> items = new ArrayList<>();
    for (StatementRow row : window.statements()) {
      StatementRow b = before.get(row.queryId());
      double baseTotal = b == null ? 0 : b.totalMs() * scale;
      items.add(new JsonObject().put("queryid", row.queryId()).put("query", row.query()).put("calls", row.calls())
          .put("total_ms", round(row.totalMs())).put("baseline_calls", round(b == null ? 0 : b.calls() * scale))
          .put("baseline_total_ms", round(baseTotal)).put("added_ms", round(row.totalMs() - baseTotal)));
    }
    return sorted(items, "added_ms");
  }

  private static JsonArray locks(WindowTotals window, WindowTotals baseline, double scale) {
    Map<String, LockRow> before = index(baseline.locks(), l -> l.blockingQuery() + "\u0000" + l.blockingCorrelationId());
    List<JsonObject> items = new ArrayList<>();
    for (LockRow row : window.locks()) {
      LockRow b = before.get(row.blockingQuery() + "\u0000" + row.blockingCorrelationId());
      items.add(new JsonObject().put("blocking_query", row.blockingQuery())
          .put("blocking_correlation_id", row.blockingCorrelationId().isEmpty() ? null : row.blockingCorrelationId())
          .put("waiters", row.maxWaiters()).put("waiter_samples", row.waiterSamples())
          .put("wait_ms", round(row.waitMs())).put("baseline_wait_ms", round(b == null ? 0 : b.waitMs() * scale)));
    }
    return sorted(items, "wait_ms");
  }

  private static JsonArray logs(WindowTotals window, WindowTotals baseline, double scale) {
    Map<String, LogRow> before = index(baseline.logs(), LogRow::category);
    List<JsonObject> items = new ArrayList<>();
    for (LogRow row : window.logs()) {
      LogRow b = before.get(row.category());
      double baseCount = b == null ? 0 : b.count() * scale;
      items.add(new JsonObject().put("category", row.category()).put("count", row.count())
          .put("baseline_count", round(baseCount)).put("added", round(row.count() - baseCount)));
    }
    return sorted(items, "added");
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
