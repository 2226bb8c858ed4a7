package com.bitville.apm.listener.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-minute aggregates of a page of records, merged in memory before they are written: a page of a busy minute
 * becomes a few hundred rows instead of one write per record. Rows are keyed by (project, minute, keys...);
 * values are summed or maxed as {@link RollupTable} says. Texts (normalized SQL by fingerprint, statement text by
 * queryid) travel alongside, once per key, and so do the per-request keys of the request list's filters.
 */
public final class RollupBatch {

  /** Which per-request index a {@link Posting} belongs to. */
  public enum KeyKind { SQL, FUNCTION }

  /**
   * The requests of one minute that ran a SQL fingerprint or a function (in id order): lets the request list filter
   * by them. One list per key and minute of a page, instead of a row per request and key, is what keeps these
   * hundred keys per request cheap to write.
   */
  public record Posting(KeyKind kind, String project, String key, long minuteMs, List<Long> recordIds) {
  }

  /**
   * Key values of one row: project, minute_ms, then the table's own keys; the histogram (bucket to count) of a
   * table that has one, else empty.
   */
  public record Row(RollupTable table, List<Object> key, double[] values, Map<Long, Long> histogram) {
  }

  private final Map<RollupTable, Map<List<Object>, double[]>> rows = new EnumMap<>(RollupTable.class);
  private final Map<RollupTable, Map<List<Object>, Map<Long, Long>>> histograms = new EnumMap<>(RollupTable.class);
  private final Map<List<String>, String> sqlTexts = new HashMap<>();
  private final Map<List<String>, String> statementTexts = new HashMap<>();
  /** A posting's identity: the ids of one key's requests in one minute are collected under it. */
  private record PostingKey(KeyKind kind, String project, String key, long minuteMs) {
  }

  private final Map<PostingKey, List<Long>> postings = new LinkedHashMap<>();
  private long lastId;
  private long lastReceivedMs;

  /** Adds {@code values} (sums then maxes, in the table's order) to the row of this key. */
  public void add(RollupTable table, String project, long minuteMs, Object[] keys, double... values) {
    add(table, key(project, minuteMs, keys), values);
  }

  /**
   * Adds {@code count} to a bucket of the histogram of this key's row (a table with {@link RollupTable#histogram()}),
   * creating the row with zero values if it is not there yet.
   */
  public void addToHistogram(RollupTable table, String project, long minuteMs, Object[] keys, long bucket,
      long count) {
    if (!table.histogram()) {
      throw new IllegalArgumentException(table + " has no histogram");
    }
    List<Object> key = key(project, minuteMs, keys);
    add(table, key, new double[table.valueCount()]);
    histograms.computeIfAbsent(table, t -> new HashMap<>()).computeIfAbsent(key, k -> new HashMap<>())
        .merge(bucket, count, Long::sum);
  }

  private static List<Object> key(String project, long minuteMs, Object[] keys) {
    List<Object> key = new ArrayList<>(keys.length + 2);
    key.add(project);
    key.add(minuteMs);
    for (Object k : keys) {
      key.add(k instanceof Number number ? (Object) number.longValue() : k == null ? "" : k);
    }
    return key;
  }

  private void add(RollupTable table, List<Object> key, double[] values) {
    if (values.length != table.valueCount()) {
      throw new IllegalArgumentException(table + " takes " + table.valueCount() + " values, got " + values.length);
    }
    double[] current = rows.computeIfAbsent(table, t -> new LinkedHashMap<>()).get(key);
    if (current == null) {
      rows.get(table).put(key, values.clone());
      return;
    }
    int sums = table.sums().size();
    for (int i = 0; i < values.length; i++) {
      current[i] = i < sums ? current[i] + values[i] : Math.max(current[i], values[i]);
    }
  }

  public void sqlText(String project, String fingerprint, String normalized) {
    sqlTexts.putIfAbsent(List.of(project, fingerprint), normalized);
  }

  public void statementText(String project, String queryId, String query) {
    statementTexts.putIfAbsent(List.of(project, queryId), query);
  }

  /** Records that request {@code recordId} (at {@code eventTimeMs}) ran this SQL fingerprint or function. */
  public void requestKey(KeyKind kind, String project, String key, long eventTimeMs, long recordId) {
    postings.computeIfAbsent(new PostingKey(kind, project, key, RecordRollup.minuteOf(eventTimeMs)),
        k -> new ArrayList<>()).add(recordId);
  }

  public List<Posting> postings() {
    List<Posting> all = new ArrayList<>(postings.size());
    postings.forEach((key, ids) -> all.add(new Posting(key.kind(), key.project(), key.key(), key.minuteMs(), ids)));
    return all;
  }

  /** The last record of the page (the cursor after this batch) and its receive time. */
  public void through(long id, long receivedAtMs) {
    lastId = Math.max(lastId, id);
    lastReceivedMs = Math.max(lastReceivedMs, receivedAtMs);
  }

  public long lastId() {
    return lastId;
  }

  public long lastReceivedMs() {
    return lastReceivedMs;
  }

  public List<Row> rows() {
    List<Row> all = new ArrayList<>();
    rows.forEach((table, byKey) -> byKey.forEach((key, values) -> all.add(new Row(table, key, values,
        histogram(table, key)))));
    return all;
  }

  private Map<Long, Long> histogram(RollupTable table, List<Object> key) {
    return histograms.getOrDefault(table, Map.of()).getOrDefault(key, Map.of());
  }

  public Map<List<String>, String> sqlTexts() {
    return sqlTexts;
  }

  public Map<List<String>, String> statementTexts() {
    return statementTexts;
  }

  public int size() {
    return rows.values().stream().mapToInt(Map::size).sum();
  }

  public JsonObject toJson() {
    JsonObject tables = new JsonObject();
    rows.forEach((table, byKey) -> {
      JsonArray list = new JsonArray();
      byKey.forEach((key, values) -> {
        JsonArray row = new JsonArray(new ArrayList<>(key));
        for (double v : values) {
          row.add(v);
        }
        if (table.histogram()) {
          JsonObject histogram = new JsonObject();
          histogram(table, key).forEach((bucket, count) -> histogram.put(String.valueOf(bucket), count));
          row.add(histogram);
        }
        list.add(row);
      });
      tables.put(table.name(), list);
    });
    return new JsonObject().put("tables", tables).put("sql_texts", texts(sqlTexts))
        .put("statement_texts", texts(statementTexts)).put("postings", postings(postings())).put("last_id", lastId)
        .put("last_received_ms", lastReceivedMs);
  }

  private static JsonArray postings(List<Posting> postings) {
    JsonArray list = new JsonArray();
    postings.forEach(p -> list.add(new JsonArray().add(p.kind().name()).add(p.project()).add(p.key())
        .add(p.minuteMs()).add(new JsonArray(new ArrayList<>(p.recordIds())))));
    return list;
  }

  private static JsonArray texts(Map<List<String>, String> texts) {
    JsonArray list = new JsonArray();
    texts.forEach((key, text) -> list.add(new JsonArray().add(key.get(0)).add(key.get(1)).add(text)));
    return list;
  }

  /** @throws IllegalArgumentException for a batch of another shape */
  public static RollupBatch fromJson(JsonObject json) {
    RollupBatch batch = new RollupBatch();
    try {
      JsonObject tables = json.getJsonObject("tables", new JsonObject());
      for (String name : tables.fieldNames()) {
        RollupTable table = RollupTable.valueOf(name);
        int keys = table.keys().size() + 2;
        for (Object item : tables.getJsonArray(name)) {
          JsonArray row = (JsonArray) item;
          if (row.size() != keys + table.valueCount() + (table.histogram() ? 1 : 0)) {
            throw new IllegalArgumentException("rollup row of " + name + " has " + row.size() + " columns");
          }
          Object[] own = new Object[table.keys().size()];
          for (int i = 0; i < own.length; i++) {
            own[i] = row.getValue(i + 2);
          }
          double[] values = new double[table.valueCount()];
          for (int i = 0; i < values.length; i++) {
            values[i] = ((Number) row.getValue(keys + i)).doubleValue();
          }
          batch.add(table, row.getString(0), ((Number) row.getValue(1)).longValue(), own, values);
          if (table.histogram()) {
            for (Map.Entry<String, Object> bucket : row.getJsonObject(keys + values.length)) {
              batch.addToHistogram(table, row.getString(0), ((Number) row.getValue(1)).longValue(), own,
                  Long.parseLong(bucket.getKey()), ((Number) bucket.getValue()).longValue());
            }
          }
        }
      }
      for (Object item : json.getJsonArray("sql_texts", new JsonArray())) {
        JsonArray t = (JsonArray) item;
        batch.sqlText(t.getString(0), t.getString(1), t.getString(2));
      }
      for (Object item : json.getJsonArray("statement_texts", new JsonArray())) {
        JsonArray t = (JsonArray) item;
        batch.statementText(t.getString(0), t.getString(1), t.getString(2));
      }
      for (Object item : json.getJsonArray("postings", new JsonArray())) {
        JsonArray p = (JsonArray) item;
        KeyKind kind = KeyKind.valueOf(p.getString(0));
        long minute = p.getLong(3);
        if (minute != RecordRollup.minuteOf(minute)) {
          throw new IllegalArgumentException("a posting's minute_ms must be a whole minute");
        }
        for (Object id : p.getJsonArray(4)) {
          batch.requestKey(kind, p.getString(1), p.getString(2), minute, ((Number) id).longValue());
        }
      }
      batch.through(json.getLong("last_id", 0L), json.getLong("last_received_ms", 0L));
      return batch;
    } catch (ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("malformed rollup batch", e);
    }
  }
}
