package com.bitville.apm.listener.query;

import com.bitville.apm.listener.storage.api.RouteReads.Baseline;
import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.SqlCall;
import com.bitville.apm.shared.php.PhpPayloadView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request against its route's baseline: the route's p50/p95 over the window, the request's percentile
 * rank (the share of the other requests in the window that were faster than it), and function- and SQL-level
 * differences against the route's typical request (the mean over a sample of its most recent requests).
 * Missing data is unknown, never zero: a request the agent sent without XHProf or SQL data has no function or
 * SQL comparison ({@code null} with the reason), and the typical values are means over only the sampled requests
 * that carried that data ({@code null} when none did).
 */
final class Comparison {

  static final int MAX_DIFFS = 50;

  /** The request compared: its functions (slowest first) and statements (in the order it ran them). */
  record Subject(Long id, String project, String route, double durationMs, List<FunctionCall> functions,
      List<SqlCall> statements, boolean hasXhprof, boolean hasSql) {

    static Subject of(JsonObject record, PhpPayloadView view) {
      return new Subject(record.getLong("id"), record.getString("project"), record.getString("route"),
          record.getDouble("duration_ms", 0.0), RecordViews.slowestFirst(view.profile().functions()),
          view.profile().queries(), view.hasXhprof(), view.hasSql());
    }
  }

  /** The route's percentiles and counts over the window (the baseline's sampled payloads are not read here). */
  record RouteBaseline(long count, long faster, Double p50, Double p95, Double p99) {

    static RouteBaseline of(Baseline baseline) {
      return new RouteBaseline(baseline.count(), baseline.faster(), baseline.p50(), baseline.p95(), baseline.p99());
    }
  }

  private Comparison() {
  }

  static JsonObject of(Subject request, RouteBaseline baseline, TypicalRequest typical, long windowMs) {
    long others = baseline.count();
    int sample = typical.sampleSize();
    JsonObject result = new JsonObject()
        .put("id", request.id()).put("project", request.project())
        .put("route", request.route()).put("duration_ms", request.durationMs()).put("window_ms", windowMs)
        .put("baseline", new JsonObject().put("requests", others).put("p50_ms", baseline.p50())
            .put("p95_ms", baseline.p95()).put("p99_ms", baseline.p99())
            .put("sample_size", sample))
        .put("percentile_rank", others == 0 ? null : RecordViews.round1(100.0 * baseline.faster() / others))
        .put("percentile_rank_meaning", "share of the route's other requests in the window that were faster");
    int functionSample = typical.xhprofSampleSize();
    int sqlSample = typical.sqlSampleSize();
    result.getJsonObject("baseline").put("xhprof_sample_size", functionSample).put("sql_sample_size", sqlSample);
    if (request.hasXhprof()) {
      result.put("functions", functionDiffs(request.functions(), typical.functions(), functionSample));
    } else {
      result.putNull("functions").put("functions_unknown", "this request carries no XHProf data");
    }
    if (request.hasSql()) {
      result.put("sql", sqlDiffs(request.statements(), typical.statements(), sqlSample));
    } else {
      result.putNull("sql").put("sql_unknown", "this request carries no SQL data");
    }
    return result;
  }

  private static JsonArray functionDiffs(List<FunctionCall> mine, List<TypicalRequest.FunctionSum> typical,
      int sample) {
    Map<String, double[]> rows = new HashMap<>();
    for (FunctionCall f : mine) {
      double[] r = rows.computeIfAbsent(f.name(), k -> new double[4]);
      r[0] = f.calls();
      r[1] = f.wallUs();
    }
    for (TypicalRequest.FunctionSum f : typical) {
      double[] r = rows.computeIfAbsent(f.name(), k -> new double[4]);
      r[2] = sample == 0 ? 0 : (double) f.calls() / sample;
      r[3] = sample == 0 ? 0 : (double) f.wallUs() / sample;
    }
    List<JsonObject> diffs = new ArrayList<>();
    boolean known = sample > 0;
    rows.forEach((name, r) -> diffs.add(new JsonObject().put("name", name).put("calls", (long) r[0])
        .put("wall_us", (long) r[1]).put("typical_calls", known ? RecordViews.round1(r[2]) : null)
        .put("typical_wall_us", known ? Math.round(r[3]) : null)
        .put("diff_wall_us", known ? Math.round(r[1] - r[3]) : null)));
    return top(diffs, known ? "diff_wall_us" : "wall_us");
  }

  private static JsonArray sqlDiffs(List<SqlCall> mine, List<TypicalRequest.StatementSum> typical, int sample) {
    Map<String, double[]> rows = new HashMap<>();
    Map<String, String> texts = new HashMap<>();
    for (SqlCall s : mine) {
      double[] r = rows.computeIfAbsent(s.fingerprint(), k -> new double[4]);
      r[0]++;
      r[1] += s.timeMs();
      texts.putIfAbsent(s.fingerprint(), s.normalized());
    }
    for (TypicalRequest.StatementSum s : typical) {
      double[] r = rows.computeIfAbsent(s.fingerprint(), k -> new double[4]);
      r[2] = sample == 0 ? 0 : (double) s.executions() / sample;
      r[3] = sample == 0 ? 0 : s.timeMs() / sample;
      texts.putIfAbsent(s.fingerprint(), s.normalized());
    }
    List<JsonObject> diffs = new ArrayList<>();
    boolean known = sample > 0;
    rows.forEach((fp, r) -> diffs.add(new JsonObject().put("fingerprint", fp).put("normalized", texts.get(fp))
        .put("count", (long) r[0]).put("time_ms", RecordViews.round1(r[1]))
        .put("typical_count", known ? RecordViews.round1(r[2]) : null)
        .put("typical_time_ms", known ? RecordViews.round1(r[3]) : null)
        .put("diff_time_ms", known ? RecordViews.round1(r[1] - r[3]) : null)));
    return top(diffs, known ? "diff_time_ms" : "time_ms");
  }

  private static JsonArray top(List<JsonObject> diffs, String key) {
    diffs.sort((a, b) -> Double.compare(Math.abs(b.getDouble(key)), Math.abs(a.getDouble(key))));
    return new JsonArray(new ArrayList<>(diffs.subList(0, Math.min(MAX_DIFFS, diffs.size()))));
  }
}
