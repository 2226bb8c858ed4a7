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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the rollup range reads of storage ({@code RollupStore.window}, {@code RollupStore.overview})
 * into the analysis shapes: microseconds to milliseconds, thousandths to units, histograms per route or interval.
 */
public final class RollupReads {

  /** One interval of the overview. */
  public record OverviewPoint(long t, long requests, double totalMs, double sqlMs, long fatal, Double p50Ms,
      Double p95Ms, Double dbActive, Double dbIdleInTx, Double dbWaiting, Double dbBlocked, Double hostLoad,
      Double cpuPercent, Double iowaitPercent) {

    public JsonObject toJson() {
      return new JsonObject().put("t", t).put("requests", requests).put("p50_ms", p50Ms).put("p95_ms", p95Ms)
          .put("total_ms", round(totalMs)).put("php_time_ms", round(totalMs - sqlMs)).put("sql_time_ms", round(sqlMs))
          .put("fatal", fatal).put("db_active", dbActive).put("db_idle_in_transaction", dbIdleInTx)
          .put("db_waiting", dbWaiting).put("db_blocked", dbBlocked).put("host_load", hostLoad)
          .put("cpu_percent", cpuPercent).put("iowait_percent", iowaitPercent);
    }
  }

  private RollupReads() {
  }

  /** Every interval of [fromMs, toMs) in steps of stepMs, empty intervals included. */
  public static List<OverviewPoint> overview(JsonObject reply, long fromMs, long toMs, long stepMs) {
    int count = (int) ((toMs - fromMs + stepMs - 1) / stepMs);
    Map<Long, JsonObject> php = byInterval(reply.getJsonArray("php"));
    Map<Long, JsonObject> db = byInterval(reply.getJsonArray("db"));
    Map<Long, JsonObject> percentiles = byInterval(reply.getJsonArray("percentiles"));
    List<OverviewPoint> points = new ArrayList<>(count);
    for (long i = 0; i < count; i++) {
      JsonObject p = php.getOrDefault(i, new JsonObject());
      JsonObject d = db.get(i);
      JsonObject percentile = percentiles.get(i);
      double samples = d == null ? 0 : d.getLong("samples");
      double hostSamples = d == null ? 0 : d.getLong("host_samples");
      points.add(new OverviewPoint(fromMs + i * stepMs, p.getLong("requests", 0L), ms(p.getLong("total_us", 0L)),
          ms(p.getLong("sql_us", 0L)), p.getLong("fatal", 0L),
          percentile == null ? null : round(percentile.getDouble("p50_ms")),
          percentile == null ? null : round(percentile.getDouble("p95_ms")),
          average(d, "active", samples), average(d, "idle_in_tx", samples), average(d, "waiting", samples),
          average(d, "blocked", samples), milliAverage(d, "load_milli", hostSamples),
          milliAverage(d, "cpu_milli", hostSamples), milliAverage(d, "iowait_milli", hostSamples)));
    }
    return points;
  }

  private static Map<Long, JsonObject> byInterval(JsonArray rows) {
    Map<Long, JsonObject> map = new HashMap<>();
    rows.forEach(item -> map.put(((JsonObject) item).getLong("i"), (JsonObject) item));
    return map;
  }

  private static Double average(JsonObject row, String key, double samples) {
    return row == null || samples == 0 ? null : round(row.getLong(key) / samples);
  }

  private static Double milliAverage(JsonObject row, String key, double samples) {
    return row == null || samples == 0 ? null : round(row.getLong(key) / 1000.0 / samples);
  }

  public static WindowTotals window(JsonObject reply) {
    Map<String, Double> p95 = new HashMap<>();
    for (JsonObject row : rows(reply, "route_percentiles")) {
      p95.put(row.getString("route"), row.getDouble("p95_ms"));
    }
    List<RouteRow> routes = rows(reply, "routes").stream().map(r -> new RouteRow(r.getString("route"),
        r.getLong("count"), ms(r.getLong("total_us")), ms(r.getLong("max_us")),
        p95.getOrDefault(r.getString("route"), 0.0))).toList();
    List<HostRow> hosts = rows(reply, "hosts").stream().map(r -> new HostRow(r.getString("host"), r.getLong("count"),
        ms(r.getLong("total_us")))).toList();
    List<FunctionRow> functions = rows(reply, "functions").stream().map(r -> new FunctionRow(r.getString("name"),
        r.getLong("calls"), ms(r.getLong("self_us")), ms(r.getLong("wall_us")), r.getLong("requests"))).toList();
    List<SqlRow> sql = rows(reply, "sql").stream().map(r -> new SqlRow(r.getString("fingerprint"),
        r.getString("normalized"), r.getLong("count"), ms(r.getLong("total_us")), r.getLong("requests"))).toList();
    List<StatementRow> statements = rows(reply, "statements").stream().map(r -> new StatementRow(
        r.getString("queryid"), r.getString("query"), r.getLong("calls"), ms(r.getLong("total_us")))).toList();
    List<LockRow> locks = rows(reply, "locks").stream().map(r -> new LockRow(r.getString("blocking_query"),
        r.getString("blocking_correlation_id"), r.getLong("waiter_samples"), ms(r.getLong("wait_us")),
        r.getLong("max_waiters"))).toList();
    List<LogRow> logs = rows(reply, "logs").stream().map(r -> new LogRow(r.getString("category"),
        r.getLong("count"))).toList();
    JsonObject db = reply.getJsonObject("db", new JsonObject());
    DbRow dbRow = new DbRow(db.getLong("samples", 0L), db.getLong("active", 0L), db.getLong("idle_in_tx", 0L),
        db.getLong("waiting", 0L), db.getLong("blocked", 0L), db.getLong("host_samples", 0L),
        db.getLong("load_milli", 0L) / 1000.0, db.getLong("cpu_milli", 0L) / 1000.0,
        db.getLong("iowait_milli", 0L) / 1000.0);
    return new WindowTotals(reply.getLong("from_ms"), reply.getLong("to_ms"), routes, hosts, functions, sql,
        statements, locks, logs, dbRow);
  }

  private static List<JsonObject> rows(JsonObject reply, String key) {
    List<JsonObject> list = new ArrayList<>();
    reply.getJsonArray(key, new JsonArray()).forEach(item -> list.add((JsonObject) item));
    return list;
  }

  private static double ms(Long us) {
    return us == null ? 0 : us / 1000.0;
  }

  private static double round(double value) {
    return SpikeDetector.round(value);
  }
}
