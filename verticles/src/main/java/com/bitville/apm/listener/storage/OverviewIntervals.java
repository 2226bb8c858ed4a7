package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.analysis.RollupTable;
import com.bitville.apm.listener.analysis.WindowAnalysis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums the overview rows of a range (one per project and minute or hour) into intervals of the step: interval i
 * holds the rows with {@code from + i * step <= t < from + (i + 1) * step}. Done here rather than in SQL so that a
 * long range reads one row per minute and never one row per histogram bucket, straight from the JDBC result set
 * (see {@link Database#readPlain}).
 */
final class OverviewIntervals {

  private static final List<String> COLUMNS = RollupSchema.columnsOf(RollupTable.OVERVIEW);
  private static final List<String> PHP = List.of("count", "total_us", "sql_us", "fatal");
  private static final List<String> DB = List.of("samples", "active", "idle_in_tx", "waiting", "blocked",
      "host_samples", "load_milli", "cpu_milli", "iowait_milli");

  private OverviewIntervals() {
  }

  /**
   * Reply {php: [{i, requests, total_us, sql_us, fatal}], percentiles: [{i, p50_ms, p95_ms}], db: [{i, samples,
   * active, idle_in_tx, waiting, blocked, host_samples, load_milli, cpu_milli, iowait_milli}]}, only intervals
   * with data of that kind, in interval order.
   */
  static JsonObject of(ResultSet rows, long from, long step) throws SQLException {
    Map<Long, long[]> sums = new TreeMap<>();
    Map<Long, Map<Long, Long>> histograms = new TreeMap<>();
    int histogramColumn = COLUMNS.size() + 2;
    while (rows.next()) {
      long i = (rows.getLong(1) - from) / step;
      long[] interval = sums.computeIfAbsent(i, k -> new long[COLUMNS.size()]);
      for (int c = 0; c < COLUMNS.size(); c++) {
        interval[c] += rows.getLong(c + 2);
      }
      addHistogram(rows.getString(histogramColumn), histograms.computeIfAbsent(i, k -> new TreeMap<>()));
    }
    JsonArray php = new JsonArray();
    JsonArray db = new JsonArray();
    JsonArray percentiles = new JsonArray();
    sums.forEach((i, interval) -> {
      if (value(interval, "count") > 0) {
        php.add(new JsonObject().put("i", i).put("requests", value(interval, "count"))
            .put("total_us", value(interval, "total_us")).put("sql_us", value(interval, "sql_us"))
            .put("fatal", value(interval, "fatal")));
      }
      if (value(interval, "samples") > 0 || value(interval, "host_samples") > 0) {
        JsonObject row = new JsonObject().put("i", i);
        DB.forEach(column -> row.put(column, value(interval, column)));
        db.add(row);
      }
    });
    histograms.forEach((i, histogram) -> {
      if (!histogram.isEmpty()) {
        percentiles.add(new JsonObject().put("i", i).put("p50_ms", WindowAnalysis.percentile(histogram, 0.5))
            .put("p95_ms", WindowAnalysis.percentile(histogram, 0.95)));
      }
    });
    return new JsonObject().put("php", php).put("percentiles", percentiles).put("db", db);
  }

  private static long value(long[] interval, String column) {
    return interval[COLUMNS.indexOf(column)];
  }

  /**
   * Adds a stored histogram, a JSON object of whole-number buckets and counts as this storage writes it
   * ({@code {"66":3,"70":1}}), to {@code into}; read by hand because a long range has thousands of them.
   */
  static void addHistogram(String json, Map<Long, Long> into) {
    int at = 0;
    int length = json.length();
    while (true) {
      int keyStart = json.indexOf('"', at);
      if (keyStart < 0) {
        return;
      }
      int keyEnd = json.indexOf('"', keyStart + 1);
      int colon = json.indexOf(':', keyEnd + 1);
      if (keyEnd < 0 || colon < 0) {
        throw new IllegalStateException("malformed histogram: " + json);
      }
      int valueEnd = colon + 1;
      while (valueEnd < length && json.charAt(valueEnd) != ',' && json.charAt(valueEnd) != '}') {
        valueEnd++;
      }
      try {
        into.merge(Long.parseLong(json.substring(keyStart + 1, keyEnd)),
            Long.parseLong(json.substring(colon + 1, valueEnd).trim()), Long::sum);
      } catch (NumberFormatException e) {
        throw new IllegalStateException("malformed histogram: " + json, e);
      }
      at = valueEnd;
    }
  }
}
