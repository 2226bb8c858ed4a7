package com.bitville.apm.listener.query;

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

  private Comparison() {
  }

  static JsonObject of(JsonObject detail, JsonObject baseline, long windowMs) {
    JsonObject record = detail.getJsonObject("record");
    double duration = record.getDouble("duration_ms", 0.0);
    long count = baseline.getLong("count", 0L);
    long others = count;
    long faster = baseline.getLong("faster", 0L);
    int sample = baseline.getInteger("sample_size", 0);
    JsonObject result = new JsonObject()
        .put("id", record.getLong("id")).put("project", record.getString("project"))
        .put("route", record.getString("route")).put("duration_ms", duration).put("window_ms", windowMs)
        .put("baseline", new JsonObject().put("requests", others).put("p50_ms", baseline.getValue("p50"))
            .put("p95_ms", baseline.getValue("p95")).put("p99_ms", baseline.getValue("p99"))
            .put("sample_size", sample))
        .put("percentile_rank", others == 0 ? null : RecordViews.round1(100.0 * faster / others))
        .put("percentile_rank_meaning", "share of the route's other requests in the window that were faster");
    int functionSample = baseline.getInteger("xhprof_sample_size", sample);
    int sqlSample = baseline.getInteger("sql_sample_size", sample);
    result.getJsonObject("baseline").put("xhprof_sample_size", functionSample).put("sql_sample_size", sqlSample);
    if (detail.getBoolean("has_xhprof", true)) {
      result.put("functions", functionDiffs(detail.getJsonArray("functions"), baseline.getJsonArray("functions"),
          functionSample));
    } else {
      result.putNull("functions").put("functions_unknown", "this request carries no XHProf data");
    }
    if (detail.getBoolean("has_sql", true)) {
      result.put("sql", sqlDiffs(detail.getJsonArray("sql"), baseline.getJsonArray("sql"), sqlSample));
    } else {
      result.putNull("sql").put("sql_unknown", "this request carries no SQL data");
    }
    return result;
  }

  private static JsonArray functionDiffs(JsonArray mine, JsonArray typical, int sample) {
    Map<String, double[]> rows = new HashMap<>();
    for (Object o : mine) {
      JsonObject f = (JsonObject) o;
      double[] r = rows.computeIfAbsent(f.getString("name"), k -> new double[4]);
      r[0] = f.getLong("calls", 0L);
      r[1] = f.getLong("wall_us", 0L);
    }
    for (Object o : typical) {
      JsonObject f = (JsonObject) o;
      double[] r = rows.computeIfAbsent(f.getString("name"), k -> new double[4]);
      r[2] = sample == 0 ? 0 : f.getDouble("calls", 0.0) / sample;
      r[3] = sample == 0 ? 0 : f.getDouble("wall_us", 0.0) / sample;
    }
    List<JsonObject> diffs = new ArrayList<>();
    boolean known = sample > 0;
    rows.forEach((name, r) -> diffs.add(new JsonObject().put("name", name).put("calls", (long) r[0])
        .put("wall_us", (long) r[1]).put("typical_calls", known ? RecordViews.round1(r[2]) : null)
        .put("typical_wall_us", known ? Math.round(r[3]) : null)
        .put("diff_wall_us", known ? Math.round(r[1] - r[3]) : null)));
    return top(diffs, known ? "diff_wall_us" : "wall_us");
  }

  private static JsonArray sqlDiffs(JsonArray mine, JsonArray typical, int sample) {
    Map<String, double[]> rows = new HashMap<>();
    Map<String, String> texts = new HashMap<>();
    for (Object o : mine) {
      JsonObject s = (JsonObject) o;
      double[] r = rows.computeIfAbsent(s.getString("fingerprint"), k -> new double[4]);
      r[0]++;
      r[1] += s.getDouble("time_ms", 0.0);
      texts.putIfAbsent(s.getString("fingerprint"), s.getString("normalized"));
    }
    for (Object o : typical) {
      JsonObject s = (JsonObject) o;
      double[] r = rows.computeIfAbsent(s.getString("fingerprint"), k -> new double[4]);
      r[2] = sample == 0 ? 0 : s.getDouble("executions", 0.0) / sample;
      r[3] = sample == 0 ? 0 : s.getDouble("time_ms", 0.0) / sample;
      texts.putIfAbsent(s.getString("fingerprint"), s.getString("normalized"));
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
