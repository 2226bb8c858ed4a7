package com.bitville.apm.listener.query;

import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.pg.PgSources;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Shapes stored rows for the API: inflates payloads, builds the function table from XHProf edges, the SQL list
 * with N+1 detection, the correlated pg-agent items and a timeline at real times. Pure functions: no I/O.
 */
final class RecordViews {

  static final int N_PLUS_ONE_MIN = 5;

  private RecordViews() {
  }

  static JsonObject inflate(JsonObject row) {
    JsonObject copy = row.copy();
    byte[] payload = row.getBinary("payload");
    copy.remove("payload");
    if (payload != null) {
      try {
        copy.put("payload", new JsonObject(PayloadCodec.decompress(payload)));
      } catch (RuntimeException e) {
        copy.put("payload", new JsonObject().put("_unreadable", "stored payload could not be decoded"));
      }
    }
    copy.put("fatal", Integer.valueOf(1).equals(row.getValue("fatal")) || Boolean.TRUE.equals(row.getValue("fatal")));
    copy.put("event_time_estimated", Integer.valueOf(1).equals(row.getValue("event_time_estimated")));
    return copy;
  }

  static JsonObject listItem(JsonObject row) {
    JsonObject item = row.copy();
    item.remove("duration_key");
    item.put("fatal", Integer.valueOf(1).equals(row.getValue("fatal")));
    item.put("event_time_estimated", Integer.valueOf(1).equals(row.getValue("event_time_estimated")));
    return item;
  }

  // ---- functions ----

  /** Per function: inclusive wall time and calls summed over the edges into it, with callers and callees. */
  static JsonArray functions(JsonArray edges, double requestMs) {
    Map<String, JsonObject> byName = new LinkedHashMap<>();
    for (int i = 0; i < edges.size(); i++) {
      JsonObject edge = edges.getJsonObject(i);
      String name = edge.getString("name");
      int arrow = name.indexOf("==>");
      String parent = arrow < 0 ? null : name.substring(0, arrow);
      String child = arrow < 0 ? name : name.substring(arrow + 3);
      long calls = edge.getLong("calls", 0L);
      long wall = edge.getLong("wall_us", 0L);
      JsonObject fn = byName.computeIfAbsent(child, RecordViews::newFunction);
      fn.put("calls", fn.getLong("calls") + calls).put("wall_us", fn.getLong("wall_us") + wall);
      if (parent != null) {
        fn.getJsonArray("callers").add(new JsonObject().put("name", parent).put("calls", calls).put("wall_us", wall));
        byName.computeIfAbsent(parent, RecordViews::newFunction).getJsonArray("callees")
            .add(new JsonObject().put("name", child).put("calls", calls).put("wall_us", wall));
      }
    }
    List<JsonObject> list = new ArrayList<>(byName.values());
    for (JsonObject fn : list) {
      long exclusive = fn.getLong("wall_us");
      for (Object callee : fn.getJsonArray("callees")) {
        exclusive -= ((JsonObject) callee).getLong("wall_us");
      }
      fn.put("self_us", Math.max(0, exclusive));
      fn.put("share_pct", requestMs > 0 ? round1(fn.getLong("wall_us") / 10.0 / requestMs) : null);
    }
    list.removeIf(fn -> fn.getLong("wall_us") == 0 && fn.getLong("calls") == 0);
    list.sort((a, b) -> Long.compare(b.getLong("wall_us"), a.getLong("wall_us")));
    return new JsonArray(new ArrayList<>(list));
  }

  private static JsonObject newFunction(String name) {
    return new JsonObject().put("name", name).put("calls", 0L).put("wall_us", 0L).put("callers", new JsonArray())
        .put("callees", new JsonArray());
  }

  // ---- SQL ----

  /** The SQL rows derived from the payload joined with the text and stack it holds, flagged slow and repeated. */
  static JsonObject sql(JsonArray rows, JsonObject payload, double slowMs) {
    JsonArray sent = payload.getValue("sql") instanceof JsonObject sql && sql.getValue("queries") instanceof JsonArray q
        ? q : new JsonArray();
    Map<String, int[]> repeats = new HashMap<>();
    Map<String, double[]> repeatTime = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      String fp = rows.getJsonObject(i).getString("fingerprint");
      repeats.computeIfAbsent(fp, k -> new int[1])[0]++;
      repeatTime.computeIfAbsent(fp, k -> new double[1])[0] += rows.getJsonObject(i).getDouble("time_ms", 0.0);
    }
    JsonArray statements = new JsonArray();
    for (int i = 0; i < rows.size(); i++) {
      JsonObject row = rows.getJsonObject(i);
      int seq = row.getInteger("seq");
      JsonObject original = seq < sent.size() && sent.getValue(seq) instanceof JsonObject o ? o : new JsonObject();
      Object text = original.containsKey("sql") ? original.getValue("sql") : original.getValue("query");
      Object stack = original.containsKey("stack") ? original.getValue("stack") : original.getValue("stack_trace");
      double time = row.getDouble("time_ms", 0.0);
      statements.add(new JsonObject().put("seq", seq).put("time_ms", time)
          .put("text", text instanceof String s ? s : row.getString("normalized"))
          .put("normalized", row.getString("normalized")).put("fingerprint", row.getString("fingerprint"))
          .put("stack", stack instanceof JsonArray a ? a : new JsonArray())
          .put("connection", original.getValue("connection") instanceof JsonObject c ? c : null)
          .put("slow", time >= slowMs).put("repeats", repeats.get(row.getString("fingerprint"))[0]));
    }
    JsonObject truncation = sqlTruncation(payload, rows.size());
    boolean lowerBound = truncation.getBoolean("truncated");
    JsonArray nPlusOne = new JsonArray();
    repeats.entrySet().stream().filter(e -> e.getValue()[0] >= N_PLUS_ONE_MIN)
        .sorted((a, b) -> Integer.compare(b.getValue()[0], a.getValue()[0]))
        .forEach(e -> nPlusOne.add(new JsonObject().put("fingerprint", e.getKey()).put("count", e.getValue()[0])
            .put("lower_bound", lowerBound).put("total_ms", round1(repeatTime.get(e.getKey())[0]))
            .put("normalized", normalizedOf(rows, e.getKey()))));
    return new JsonObject().put("statements", statements).put("repeated", nPlusOne).put("slow_ms", slowMs)
        .put("truncation", truncation);
  }

  /**
   * What the agent left out of the request's SQL: it keeps the first 100 statements to fit its socket's datagram
   * limit and says so ({@code sql.summary.queries_truncated}, {@code _meta.sql_truncated}); its
   * {@code total_queries} still counts every statement. {@code missing} is null when the agent gave no total.
   */
  static JsonObject sqlTruncation(JsonObject payload, int sent) {
    JsonObject sql = payload.getValue("sql") instanceof JsonObject s ? s : new JsonObject();
    JsonObject summary = sql.getValue("summary") instanceof JsonObject s ? s : new JsonObject();
    JsonObject meta = payload.getValue("_meta") instanceof JsonObject m ? m : new JsonObject();
    Integer total = summary.getValue("total_queries") instanceof Number n ? Integer.valueOf(n.intValue()) : null;
    boolean flagged = Boolean.TRUE.equals(summary.getValue("queries_truncated"))
        || Boolean.TRUE.equals(meta.getValue("sql_truncated"));
    Integer missing = total == null ? null : Math.max(0, total - sent);
    return new JsonObject().put("truncated", flagged || missing != null && missing > 0).put("sent", sent)
        .put("total", total).put("missing", missing);
  }

  /**
   * What the agent left out of the request's functions: it always sends its top functions of the XHProf entries
   * ({@code xhprof.raw_count}), and cuts further to fit its socket ({@code _meta.truncated}).
   */
  static JsonObject functionTruncation(JsonObject payload) {
    JsonObject xhprof = payload.getValue("xhprof") instanceof JsonObject x ? x : new JsonObject();
    JsonObject profiling = xhprof.getValue("profiling") instanceof JsonObject p ? p : new JsonObject();
    JsonObject meta = payload.getValue("_meta") instanceof JsonObject m ? m : new JsonObject();
    Integer sent = profiling.getValue("top_functions") instanceof JsonArray a ? Integer.valueOf(a.size()) : null;
    Integer total = xhprof.getValue("raw_count") instanceof Number n ? Integer.valueOf(n.intValue()) : null;
    Integer missing = sent == null || total == null ? null : Math.max(0, total - sent);
    return new JsonObject().put("truncated", Boolean.TRUE.equals(meta.getValue("truncated"))).put("sent", sent)
        .put("total", total).put("missing", missing);
  }

  private static String normalizedOf(JsonArray rows, String fingerprint) {
    for (int i = 0; i < rows.size(); i++) {
      if (fingerprint.equals(rows.getJsonObject(i).getString("fingerprint"))) {
        return rows.getJsonObject(i).getString("normalized");
      }
    }
    return null;
  }

  // ---- correlated pg-agent data ----

  /** A related record with only the entries that carry the correlation id (all entries when none do). */
  static JsonObject related(JsonObject row, String correlationId) {
    JsonObject record = inflate(row);
    JsonObject payload = record.getJsonObject("payload", new JsonObject());
    JsonObject data = payload.getValue("data") instanceof JsonObject d ? d : new JsonObject();
    String key = PgSources.itemsKey(record.getString("source", ""));
    JsonArray items = new JsonArray();
    if (key != null && data.getValue(key) instanceof JsonArray all) {
      String needle = correlationId == null ? null : correlationId.toLowerCase(Locale.ROOT);
      for (Object item : all) {
        if (needle == null || (item instanceof JsonObject o && o.encode().toLowerCase(Locale.ROOT).contains(needle))) {
          items.add(item);
        }
      }
    }
    record.remove("payload");
    return record.put("items", items).put("items_key", key).put("data", key == null ? data : null);
  }

  // ---- timeline ----

  /**
   * The request and its correlated database activity at real times. PHP times are the agent's clock, pg times
   * the database server's; events whose start or end had to be derived say so in {@code estimated}.
   */
  static JsonObject timeline(JsonObject request, JsonArray related) {
    JsonArray events = new JsonArray();
    JsonObject payload = request.getJsonObject("payload", new JsonObject());
    JsonObject timing = payload.getValue("timing") instanceof JsonObject t ? t : new JsonObject();
    double duration = request.getDouble("duration_ms", 0.0);
    Double start = seconds(timing.getValue("start_time"));
    if (start == null) {
      start = seconds(timing.getValue("request_time_float"));
    }
    boolean estimated = start == null || request.getBoolean("event_time_estimated", false);
    long startMs = start != null ? Math.round(start * 1000) : request.getLong("event_time_ms") - Math.round(duration);
    events.add(event("request", request.getString("method", "") + " " + request.getString("route", ""), startMs,
        startMs + Math.round(duration), estimated, estimated ? "start derived from the end time minus the duration"
            : null));
    for (int i = 0; i < related.size(); i++) {
      addRelated(events, related.getJsonObject(i));
    }
    return new JsonObject().put("events", events)
        .put("note", "PHP times come from the web server's clock, database times from the database server's; "
            + "SQL statements inside the request carry no start times and are listed below instead.");
  }

  private static void addRelated(JsonArray events, JsonObject record) {
    long sampled = record.getLong("event_time_ms");
    String source = record.getString("source", "");
    for (Object raw : record.getJsonArray("items", new JsonArray())) {
      if (!(raw instanceof JsonObject item)) {
        continue;
      }
      switch (source) {
        case PgSources.ACTIVITY -> {
          Long begin = isoMs(item.getValue("query_start"));
          events.add(event("session", "pid " + item.getValue("pid") + " " + item.getValue("state")
              + (item.getValue("wait_event") != null ? " (waiting: " + item.getValue("wait_event") + ")" : ""),
              begin == null ? sampled : begin, sampled, begin == null, "end = sample time (still running then)"));
        }
        case PgSources.LOCKS -> {
          Long begin = isoMs(item.getValue("blocked_query_start"));
          events.add(event("lock", "pid " + item.getValue("blocked_pid") + " blocked by pid "
              + item.getValue("blocking_pid") + " (" + item.getValue("locktype") + ")",
              begin == null ? sampled : begin, sampled, begin == null, "end = sample time (still blocked then)"));
        }
        case PgSources.LOG -> {
          Long absolute = isoMs(item.getValue("timestamp_utc"));
          Long at = absolute != null ? absolute : logMs(item.getValue("timestamp"));
          Double took = item.getValue("duration_ms") instanceof Number n ? n.doubleValue() : null;
          long end = at == null ? sampled : at;
          String zoneNote = absolute != null ? null : "log time has no zone: read as UTC";
          String durationNote = took != null ? "start = logged time minus duration" : null;
          events.add(event("log", item.getValue("level") + ": " + item.getValue("message"),
              took == null ? end : end - Math.round(took), end, absolute == null || took != null,
              zoneNote == null ? durationNote : durationNote == null ? zoneNote : zoneNote + "; " + durationNote));
        }
        default -> events.add(event(source, source, sampled, sampled, false, null));
      }
    }
    if (record.getJsonArray("items", new JsonArray()).isEmpty()) {
      events.add(event(source, record.getString("summary", source), sampled, sampled, false, "sample time"));
    }
  }

  private static JsonObject event(String kind, String label, long start, long end, boolean estimated, String note) {
    return new JsonObject().put("kind", kind).put("label", label).put("start_ms", start)
        .put("end_ms", Math.max(start, end)).put("estimated", estimated).put("note", note);
  }

  private static Double seconds(Object value) {
    return value instanceof Number n && n.doubleValue() > 0 ? n.doubleValue() : null;
  }

  static Long isoMs(Object value) {
    if (!(value instanceof String text) || text.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      try {
        return Instant.parse(text).toEpochMilli();
      } catch (RuntimeException e2) {
        return null;
      }
    }
  }

  private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSS][.SS][.S]");

  static Long logMs(Object value) {
    if (!(value instanceof String text)) {
      return null;
    }
    try {
      return LocalDateTime.parse(text.trim(), LOG_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (RuntimeException e) {
      return isoMs(text);
    }
  }

  static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
