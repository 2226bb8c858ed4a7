package com.bitville.apm.listener.query;

import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.model.SqlCall;
import com.bitville.apm.shared.pg.PgEnvelopeView;
import com.bitville.apm.shared.pg.PgSources;
import com.bitville.apm.shared.php.PhpPayloadView;
import io.vertx.core.Context;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shapes stored rows for the API: inflates payloads, builds the function table from XHProf edges, the SQL list
 * with N+1 detection, the correlated pg-agent items and a timeline at real times. Pure functions: no I/O. The
 * payloads are read through their views ({@link PhpPayloadView}, {@link PgEnvelopeView}), never by path here.
 */
final class RecordViews {

  static final int N_PLUS_ONE_MIN = 5;

  private RecordViews() {
  }

  /** The row with its payload decompressed and parsed: CPU work, never on an event loop. */
  static JsonObject inflate(JsonObject row) {
    assert !Context.isOnEventLoopThread() : "payloads are inflated on a worker thread, not an event loop";
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
  static JsonArray functions(List<FunctionCall> edges, double requestMs) {
    Map<String, JsonObject> byName = new LinkedHashMap<>();
    for (FunctionCall edge : slowestFirst(edges)) {
      String name = edge.name();
      int arrow = name.indexOf("==>");
      String parent = arrow < 0 ? null : name.substring(0, arrow);
      String child = arrow < 0 ? name : name.substring(arrow + 3);
      long calls = edge.calls();
      long wall = edge.wallUs();
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

  /** The edges by inclusive wall time, slowest first (ties in the order the agent sent them). */
  static List<FunctionCall> slowestFirst(List<FunctionCall> edges) {
    return edges.stream().sorted((a, b) -> Long.compare(b.wallUs(), a.wallUs())).toList();
  }

  private static JsonObject newFunction(String name) {
    return new JsonObject().put("name", name).put("calls", 0L).put("wall_us", 0L).put("callers", new JsonArray())
        .put("callees", new JsonArray());
  }

  // ---- SQL ----

  /** The request's statements with the text and stack the agent sent, flagged slow and repeated. */
  static JsonObject sql(PhpPayloadView view, double slowMs) {
    List<SqlCall> rows = view.profile().queries();
    Map<String, int[]> repeats = new HashMap<>();
    Map<String, double[]> repeatTime = new HashMap<>();
    Map<String, String> normalized = new HashMap<>();
    for (SqlCall row : rows) {
      repeats.computeIfAbsent(row.fingerprint(), k -> new int[1])[0]++;
      repeatTime.computeIfAbsent(row.fingerprint(), k -> new double[1])[0] += row.timeMs();
      normalized.putIfAbsent(row.fingerprint(), row.normalized());
    }
    JsonArray statements = new JsonArray();
    for (SqlCall row : rows) {
      PhpPayloadView.SentStatement original = view.statement(row.seq());
      double time = row.timeMs();
      statements.add(new JsonObject().put("seq", row.seq()).put("time_ms", time)
          .put("text", original.text() != null ? original.text() : row.normalized())
          .put("normalized", row.normalized()).put("fingerprint", row.fingerprint())
          .put("stack", original.stack()).put("connection", original.connection())
          .put("slow", time >= slowMs).put("repeats", repeats.get(row.fingerprint())[0]));
    }
    JsonObject truncation = view.sqlTruncation().toJson();
    boolean lowerBound = truncation.getBoolean("truncated");
    JsonArray nPlusOne = new JsonArray();
    repeats.entrySet().stream().filter(e -> e.getValue()[0] >= N_PLUS_ONE_MIN)
        .sorted((a, b) -> Integer.compare(b.getValue()[0], a.getValue()[0]))
        .forEach(e -> nPlusOne.add(new JsonObject().put("fingerprint", e.getKey()).put("count", e.getValue()[0])
            .put("lower_bound", lowerBound).put("total_ms", round1(repeatTime.get(e.getKey())[0]))
            .put("normalized", normalized.get(e.getKey()))));
    return new JsonObject().put("statements", statements).put("repeated", nPlusOne).put("slow_ms", slowMs)
        .put("truncation", truncation);
  }

  // ---- named fields of the payload, for the UI ----

  /**
   * What the detail view shows of the payload beyond functions and SQL, under names rather than payload paths:
   * the fatal error, PHP version and SAPI, the request's headers and parameters, the custom fields and the
   * XHProf edges for the flame graph.
   */
  static JsonObject payloadFields(PhpPayloadView view) {
    PhpPayloadView.FatalError fatal = view.fatalError();
    return new JsonObject().put("fatal_error", fatal == null ? null : fatal.toJson())
        .put("php_version", view.phpVersion()).put("sapi", view.sapi())
        .put("headers", view.headers()).put("get", view.getParameters()).put("post", view.postParameters())
        .put("custom", view.custom()).put("flame_edges", view.flameEdges());
  }

  // ---- correlated pg-agent data ----

  /** A related record with only the entries that carry the correlation id (all entries when none do). */
  static JsonObject related(JsonObject row, String correlationId) {
    JsonObject record = inflate(row);
    PgEnvelopeView envelope = PgEnvelopeView.of(record.getString("source", ""),
        record.getJsonObject("payload", new JsonObject()));
    String key = envelope.itemsKey();
    record.remove("payload");
    return record.put("items", envelope.itemsMentioning(correlationId)).put("items_key", key)
        .put("data", key == null ? envelope.data() : null);
  }

  // ---- timeline ----

  /**
   * The request and its correlated database activity at real times. PHP times are the agent's clock, pg times
   * the database server's; events whose start or end had to be derived say so in {@code estimated}.
   */
  static JsonObject timeline(JsonObject request, PhpPayloadView view, JsonArray related) {
    JsonArray events = new JsonArray();
    double duration = request.getDouble("duration_ms", 0.0);
    Double start = view.startSeconds();
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
    for (JsonObject item : PgEnvelopeView.objects(record.getJsonArray("items", new JsonArray()))) {
      switch (source) {
        case PgSources.ACTIVITY -> {
          PgEnvelopeView.Session session = PgEnvelopeView.session(item);
          Long begin = session.queryStartMs();
          events.add(event("session", "pid " + session.pid() + " " + session.state()
              + (session.waitEvent() != null ? " (waiting: " + session.waitEvent() + ")" : ""),
              begin == null ? sampled : begin, sampled, begin == null, "end = sample time (still running then)"));
        }
        case PgSources.LOCKS -> {
          PgEnvelopeView.BlockedLock lock = PgEnvelopeView.blockedLock(item);
          Long begin = lock.blockedQueryStartMs();
          events.add(event("lock", "pid " + lock.blockedPid() + " blocked by pid " + lock.blockingPid() + " ("
              + lock.lockType() + ")", begin == null ? sampled : begin, sampled, begin == null,
              "end = sample time (still blocked then)"));
        }
        case PgSources.LOG -> {
          PgEnvelopeView.LogLine line = PgEnvelopeView.logLine(item);
          Long absolute = line.utcMs();
          Long at = absolute != null ? absolute : line.zonelessMs();
          Double took = line.durationMs();
          long end = at == null ? sampled : at;
          String zoneNote = absolute != null ? null : "log time has no zone: read as UTC";
          String durationNote = took != null ? "start = logged time minus duration" : null;
          events.add(event("log", line.level() + ": " + line.message(),
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

  static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
