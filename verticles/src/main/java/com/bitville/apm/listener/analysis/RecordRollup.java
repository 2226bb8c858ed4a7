package com.bitville.apm.listener.analysis;

import com.bitville.apm.shared.model.SqlCall;
import com.bitville.apm.shared.pg.PgSources;
import com.bitville.apm.shared.php.PhpProfile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Adds one stored record (its columns and its decoded payload) to a {@link RollupBatch}: a PHP request to its
 * route/host row, duration histogram, functions (self time) and SQL fingerprints; a pg-agent envelope to the
 * session counts, wait events, statement deltas, lock waits, log categories or host metrics of its minute.
 * Pure and CPU-bound: the rollup verticle runs it on worker threads.
 */
public final class RecordRollup {

  /** Histogram buckets: bucket n holds durations below 1.1^n ms (as the route statistics use). */
  public static final double BUCKET_RATIO = 1.1;
  /** A lock row without its own sampling interval counts as the pg-agent's default lock interval. */
  static final long DEFAULT_LOCK_INTERVAL_MS = 5_000;
  static final int MAX_TEXT_CHARS = 4096;
  private static final Object[] NO_KEYS = new Object[0];

  /** The columns of a stored record the rollup needs. */
  public record StoredRecord(long id, String project, String kind, String source, long eventTimeMs,
      long receivedAtMs, Double durationMs, String route, String host, Double sqlTimeMs, boolean fatal) {
  }

  private RecordRollup() {
  }

  public static long minuteOf(long timeMs) {
    return timeMs - Math.floorMod(timeMs, 60_000L);
  }

  public static int bucketOf(double durationMs) {
    return durationMs <= 1 ? 0 : (int) Math.floor(Math.log(durationMs) / Math.log(BUCKET_RATIO)) + 1;
  }

  /** Upper bound (ms) of a histogram bucket. */
  public static double upperMs(long bucket) {
    return Math.pow(BUCKET_RATIO, bucket);
  }

  public static void add(RollupBatch batch, StoredRecord record, JsonObject payload) {
    batch.through(record.id(), record.receivedAtMs());
    if ("php".equals(record.kind())) {
      addPhp(batch, record, payload);
    } else if ("postgres".equals(record.kind()) && payload != null
        && payload.getValue("data") instanceof JsonObject data) {
      addPostgres(batch, record, data);
    }
  }

  private static void addPhp(RollupBatch batch, StoredRecord record, JsonObject payload) {
    String project = record.project();
    long minute = minuteOf(record.eventTimeMs());
    String route = record.route() == null ? "" : record.route();
    double duration = record.durationMs() == null ? 0 : record.durationMs();
    PhpProfile profile = payload == null ? new PhpProfile(java.util.List.of(), java.util.List.of())
        : PhpProfile.of(payload);
    double sqlMs = record.sqlTimeMs() != null ? record.sqlTimeMs()
        : profile.queries().stream().mapToDouble(SqlCall::timeMs).sum();
    batch.add(RollupTable.PHP, project, minute, new Object[] {route, record.host() == null ? "" : record.host()},
        1, us(duration), us(sqlMs), record.fatal() ? 1 : 0, us(duration));
    batch.add(RollupTable.PHP_HISTOGRAM, project, minute, new Object[] {route, bucketOf(duration)}, 1);
    batch.add(RollupTable.OVERVIEW, project, minute, NO_KEYS, 1, us(duration), us(sqlMs), record.fatal() ? 1 : 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, us(duration));
    batch.addToHistogram(RollupTable.OVERVIEW, project, minute, NO_KEYS, bucketOf(duration), 1);
    for (com.bitville.apm.shared.model.FunctionCall edge : profile.functions()) {
      batch.add(RollupTable.EDGE, project, minute, new Object[] {edge.name()}, edge.calls(), edge.wallUs(), 1);
    }
    for (SelfTime.Function function : SelfTime.of(profile.functions())) {
      batch.add(RollupTable.FUNCTION, project, minute, new Object[] {function.name()}, function.calls(),
          function.selfUs(), function.wallUs(), 1);
      if (function.selfUs() > 0) {
        batch.requestKey(RollupBatch.KeyKind.FUNCTION, project, function.name(), record.eventTimeMs(), record.id());
      }
    }
    Map<String, double[]> bySql = new HashMap<>();
    for (SqlCall call : profile.queries()) {
      if (call.fingerprint() == null) {
        continue;
      }
      double[] totals = bySql.computeIfAbsent(call.fingerprint(), k -> new double[3]);
      totals[0]++;
      totals[1] += call.timeMs();
      totals[2] = Math.max(totals[2], call.timeMs());
      batch.sqlText(project, call.fingerprint(), cap(call.normalized()));
    }
    bySql.forEach((fingerprint, t) -> {
      batch.add(RollupTable.SQL, project, minute, new Object[] {fingerprint}, t[0], us(t[1]), 1, us(t[2]));
      batch.requestKey(RollupBatch.KeyKind.SQL, project, fingerprint, record.eventTimeMs(), record.id());
    });
  }

  private static void addPostgres(RollupBatch batch, StoredRecord record, JsonObject data) {
    long minute = minuteOf(record.eventTimeMs());
    String project = record.project();
    switch (record.source()) {
      case PgSources.ACTIVITY -> addSessions(batch, project, minute, data);
      case PgSources.STATEMENTS -> addStatements(batch, project, minute, data);
      case PgSources.LOCKS -> addLocks(batch, project, minute, data);
      case PgSources.LOG -> addLog(batch, project, minute, data);
      case PgSources.SYSTEM_METRICS -> addHost(batch, project, minute, data);
      default -> {
      }
    }
  }

  private static void addSessions(RollupBatch batch, String project, long minute, JsonObject data) {
    int active = 0;
    int idleInTx = 0;
    int waiting = 0;
    int blocked = 0;
    Map<String, Integer> waits = new HashMap<>();
    for (JsonObject session : objects(data, "sessions")) {
      String state = String.valueOf(session.getValue("state"));
      String waitType = session.getValue("wait_event_type") instanceof String s ? s : null;
      if (state.startsWith("idle in transaction")) {
        idleInTx++;
      } else if ("active".equals(state)) {
        active++;
        if (waitType != null) {
          waiting++;
          blocked += "Lock".equals(waitType) ? 1 : 0;
          waits.merge(waitType + ":" + session.getValue("wait_event"), 1, Integer::sum);
        }
      }
    }
    batch.add(RollupTable.OVERVIEW, project, minute, NO_KEYS, 0, 0, 0, 0, 1, active, idleInTx, waiting, blocked, 0,
        0, 0, 0, 0);
    waits.forEach((event, n) -> batch.add(RollupTable.DB_WAIT, project, minute, new Object[] {event}, n));
  }

  private static void addStatements(RollupBatch batch, String project, long minute, JsonObject data) {
    for (JsonObject statement : objects(data, "statements")) {
      Object queryId = statement.getValue("queryid");
      if (queryId == null) {
        continue;
      }
      String id = String.valueOf(queryId);
      batch.add(RollupTable.DB_STATEMENT, project, minute, new Object[] {id}, number(statement, "calls"),
          us(number(statement, "total_exec_time")), number(statement, "rows"));
      if (statement.getValue("query") instanceof String query) {
        batch.statementText(project, id, cap(query));
      }
    }
  }

  private static void addLocks(RollupBatch batch, String project, long minute, JsonObject data) {
    double intervalMs = data.getValue("interval_ms") instanceof Number n ? n.doubleValue()
        : data.getValue("interval_s") instanceof Number s ? s.doubleValue() * 1000 : DEFAULT_LOCK_INTERVAL_MS;
    Map<java.util.List<String>, Set<Object>> waitersByBlocker = new HashMap<>();
    for (JsonObject lock : objects(data, "locks")) {
      String query = lock.getValue("blocking_query") instanceof String q ? cap(q) : "";
      String correlation = lock.getValue("blocking_correlation_id") instanceof String c ? c : "";
      waitersByBlocker.computeIfAbsent(java.util.List.of(query, correlation), k -> new HashSet<>())
          .add(lock.getValue("blocked_pid"));
    }
    waitersByBlocker.forEach((blocker, waiters) -> batch.add(RollupTable.LOCK, project, minute,
        new Object[] {blocker.get(0), blocker.get(1)}, waiters.size(), us(waiters.size() * intervalMs), waiters.size()));
  }

  private static void addLog(RollupBatch batch, String project, long minute, JsonObject data) {
    for (JsonObject entry : objects(data, "entries")) {
      batch.add(RollupTable.LOG, project, minute, new Object[] {category(entry)}, 1);
    }
  }

  /** The pg-agent's own category when it sent one, else the same rules applied to level and message. */
  static String category(JsonObject entry) {
    if (entry.getValue("category") instanceof String category && !category.isBlank()) {
      return category;
    }
    String level = String.valueOf(entry.getValue("level")).toUpperCase(Locale.ROOT);
    String message = String.valueOf(entry.getValue("message")).toLowerCase(Locale.ROOT);
    if (message.contains("deadlock detected")) {
      return "deadlock";
    }
    if (message.startsWith("duration:")) {
      return "slow_statement";
    }
    if (message.contains("still waiting for")) {
      return "lock_wait";
    }
    if (message.contains("temporary file")) {
      return "temp_file";
    }
    return switch (level) {
      case "ERROR" -> "error";
      case "FATAL" -> "fatal";
      case "PANIC" -> "panic";
      default -> "other";
    };
  }

  private static void addHost(RollupBatch batch, String project, long minute, JsonObject data) {
    if (!(data.getValue("cpu") instanceof JsonObject cpu)) {
      return;
    }
    batch.add(RollupTable.OVERVIEW, project, minute, NO_KEYS, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        milli(number(cpu, "load_avg_1m")), milli(number(cpu, "percent")), milli(number(cpu, "iowait_percent")), 0);
  }

  private static Iterable<JsonObject> objects(JsonObject data, String key) {
    java.util.List<JsonObject> list = new java.util.ArrayList<>();
    if (data.getValue(key) instanceof JsonArray array) {
      for (Object item : array) {
        if (item instanceof JsonObject object) {
          list.add(object);
        }
      }
    }
    return list;
  }

  private static double number(JsonObject object, String key) {
    Object value = object.getValue(key);
    if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    if (value instanceof String s) {
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return 0;
  }

  private static double us(double ms) {
    return Math.round(ms * 1000);
  }

  private static double milli(double value) {
    return Math.round(value * 1000);
  }

  private static String cap(String text) {
    return text == null ? "" : text.length() > MAX_TEXT_CHARS ? text.substring(0, MAX_TEXT_CHARS) : text;
  }
}
