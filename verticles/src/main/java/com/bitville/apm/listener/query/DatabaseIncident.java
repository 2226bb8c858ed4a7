package com.bitville.apm.listener.query;

import com.bitville.apm.shared.normalize.CorrelationIds;
import com.bitville.apm.shared.pg.PgEnvelopeView;
import com.bitville.apm.shared.pg.PgSources;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The database side of a time window, shaped for the Database view: statements summed over the window, lock
 * waits as blocking trees, the latest sessions, log entries with counts per category over time, and the series
 * for the charts (sessions and host metrics). Works on stored rows (newest first, as storage returns them); one
 * record is inflated at a time. Pure functions: no I/O.
 */
final class DatabaseIncident {

  static final int MAX_STATEMENTS = 200;
  static final int MAX_LOCK_SNAPSHOTS = 20;
  static final int MAX_LOG_ENTRIES = 300;
  static final int MAX_WAIT_EVENT_SERIES = 8;
  private static final List<String> STATEMENT_COUNTERS = List.of("calls", "total_exec_time", "total_plan_time",
      "rows", "shared_blks_hit", "shared_blks_read", "shared_blks_dirtied", "shared_blks_written", "temp_blks_read",
      "temp_blks_written", "blk_read_time", "blk_write_time");

  private DatabaseIncident() {
  }

  /** The {@code data} of a stored row's envelope, or an empty object. */
  private static JsonObject data(JsonObject row) {
    JsonObject record = RecordViews.inflate(row);
    return PgEnvelopeView.of(record.getString("source"),
        record.getValue("payload") instanceof JsonObject p ? p : new JsonObject()).data();
  }

  private static List<JsonObject> chronological(JsonArray rows) {
    List<JsonObject> list = new ArrayList<>();
    for (int i = rows.size() - 1; i >= 0; i--) {
      list.add(rows.getJsonObject(i));
    }
    return list;
  }

  private static JsonArray objects(JsonObject data, String key) {
    return data.getValue(key) instanceof JsonArray array ? array : new JsonArray();
  }

  private static double number(JsonObject o, String key) {
    return o.getValue(key) instanceof Number n ? n.doubleValue() : 0.0;
  }

  private static Double maybe(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof Number n ? n.doubleValue() : null;
  }

  private static JsonObject object(JsonObject o, String key) {
    return o.getValue(key) instanceof JsonObject child ? child : new JsonObject();
  }

  // ---- statements ----

  /** Deltas summed per statement over the window, heaviest first; resets listed so the view can mark them. */
  static JsonObject statements(JsonArray rows) {
    Map<String, JsonObject> byKey = new LinkedHashMap<>();
    JsonArray resets = new JsonArray();
    int cumulative = 0;
    for (JsonObject row : chronological(rows)) {
      JsonObject data = data(row);
      if (data.getValue("stats_reset") instanceof String at) {
        resets.add(new JsonObject().put("at", at).put("record_time_ms", row.getLong("event_time_ms")));
      }
      if (!Boolean.TRUE.equals(data.getValue("deltas"))) {
        cumulative++;
        continue; // cumulative counters (an older agent) cannot be summed
      }
      for (Object item : objects(data, PgSources.itemsKey(PgSources.STATEMENTS))) {
        if (item instanceof JsonObject s) {
          add(byKey, s);
        }
      }
    }
    List<JsonObject> list = new ArrayList<>(byKey.values());
    list.forEach(s -> s.put("mean_exec_time", s.getDouble("calls") > 0
        ? round(s.getDouble("total_exec_time") / s.getDouble("calls")) : 0.0));
    list.sort(Comparator.comparingDouble((JsonObject s) -> -s.getDouble("total_exec_time")));
    JsonArray top = new JsonArray();
    list.stream().limit(MAX_STATEMENTS).forEach(s -> top.add(rounded(s)));
    return new JsonObject().put("statements", top).put("distinct", list.size()).put("resets", resets)
        .put("records_without_deltas", cumulative);
  }

  private static void add(Map<String, JsonObject> byKey, JsonObject s) {
    String key = s.getValue("queryid") + "|" + s.getValue("userid") + "|" + s.getValue("dbid") + "|"
        + s.getValue("toplevel");
    JsonObject sum = byKey.computeIfAbsent(key, k -> {
      JsonObject fresh = new JsonObject().put("queryid", String.valueOf(s.getValue("queryid")))
          .put("username", s.getValue("username")).put("datname", s.getValue("datname")).put("samples", 0)
          .put("max_exec_time", 0.0);
      STATEMENT_COUNTERS.forEach(c -> fresh.put(c, 0.0));
      return fresh;
    });
    STATEMENT_COUNTERS.forEach(c -> sum.put(c, sum.getDouble(c) + number(s, c)));
    sum.put("samples", sum.getInteger("samples") + 1);
    sum.put("max_exec_time", Math.max(sum.getDouble("max_exec_time"), number(s, "max_exec_time")));
    if (s.getValue("query") instanceof String text) {
      sum.put("query", text);
    }
  }

  private static JsonObject rounded(JsonObject s) {
    for (String counter : STATEMENT_COUNTERS) {
      double v = s.getDouble(counter);
      if (counter.equals("calls") || counter.equals("rows") || counter.contains("_blks_")) {
        s.put(counter, Math.round(v));
      } else {
        s.put(counter, round(v));
      }
    }
    return s.put("max_exec_time", round(s.getDouble("max_exec_time")));
  }

  // ---- locks ----

  /**
   * Lock-wait snapshots as trees: each root blocker (waits for nobody) with its state, transaction age, query
   * and request, and under it every session waiting behind it, at any depth, with its wait time. Newest first;
   * the snapshot with the most waits is always included.
   */
  static JsonArray lockSnapshots(JsonArray rows) {
    List<JsonObject> snapshots = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      JsonObject row = rows.getJsonObject(i);
      JsonArray locks = objects(data(row), PgSources.itemsKey(PgSources.LOCKS));
      if (!locks.isEmpty()) {
        snapshots.add(new JsonObject().put("time_ms", row.getLong("event_time_ms")).put("waits", locks.size())
            .put("trees", trees(locks)));
      }
    }
    JsonObject worst = snapshots.stream().max(Comparator.comparingInt(s -> s.getInteger("waits"))).orElse(null);
    JsonArray result = new JsonArray();
    snapshots.stream().limit(MAX_LOCK_SNAPSHOTS).forEach(result::add);
    if (worst != null && !result.contains(worst)) {
      result.add(worst);
    }
    if (worst != null) {
      worst.put("most_waits", true);
    }
    return result;
  }

  static JsonArray trees(JsonArray locks) {
    Map<Integer, JsonObject> nodes = new LinkedHashMap<>();
    Map<Integer, Integer> parentOf = new HashMap<>();
    Map<Integer, List<Integer>> otherBlockers = new HashMap<>();
    for (Object item : locks) {
      if (!(item instanceof JsonObject lock) || lock.getInteger("blocked_pid") == null
          || lock.getInteger("blocking_pid") == null) {
        continue;
      }
      int waiter = lock.getInteger("blocked_pid");
      int blocker = lock.getInteger("blocking_pid");
      nodes.computeIfAbsent(waiter, pid -> waiterNode(pid, lock));
      nodes.computeIfAbsent(blocker, pid -> blockerNode(pid, lock));
      if (!parentOf.containsKey(waiter)) {
        parentOf.put(waiter, blocker);
      } else if (parentOf.get(waiter) != blocker) {
        otherBlockers.computeIfAbsent(waiter, k -> new ArrayList<>()).add(blocker);
      }
      if (nodes.get(blocker).getValue("state") == null) {
        fillBlocker(nodes.get(blocker), lock);
      }
    }
    Map<Integer, List<Integer>> children = new LinkedHashMap<>();
    parentOf.forEach((waiter, blocker) -> children.computeIfAbsent(blocker, k -> new ArrayList<>()).add(waiter));
    JsonArray roots = new JsonArray();
    for (Integer pid : nodes.keySet()) {
      if (!children.containsKey(pid)) {
        continue; // a second blocker of waiters shown under their first: named in their also_blocked_by
      }
      if (!parentOf.containsKey(pid) || cycles(pid, parentOf)) {
        if (!parentOf.containsKey(pid) || firstOfCycle(pid, parentOf)) {
          roots.add(build(pid, nodes, children, otherBlockers, new LinkedHashSet<>()).put("root", true));
        }
      }
    }
    return roots;
  }

  private static boolean cycles(int pid, Map<Integer, Integer> parentOf) {
    Set<Integer> seen = new LinkedHashSet<>();
    Integer current = pid;
    while (current != null && seen.add(current)) {
      current = parentOf.get(current);
    }
    return current != null;
  }

  /** A deadlock seen mid-detection is a cycle: the smallest pid on it stands for the root. */
  private static boolean firstOfCycle(int pid, Map<Integer, Integer> parentOf) {
    Set<Integer> onCycle = new LinkedHashSet<>();
    Integer current = pid;
    while (current != null && onCycle.add(current)) {
      current = parentOf.get(current);
    }
    Set<Integer> cycle = new LinkedHashSet<>();
    Integer walk = current;
    while (walk != null && cycle.add(walk)) {
      walk = parentOf.get(walk);
    }
    return cycle.contains(pid) && cycle.stream().min(Integer::compare).orElse(-1) == pid;
  }

  private static JsonObject build(int pid, Map<Integer, JsonObject> nodes, Map<Integer, List<Integer>> children,
      Map<Integer, List<Integer>> otherBlockers, Set<Integer> path) {
    JsonObject node = nodes.get(pid).copy();
    path.add(pid);
    JsonArray waiters = new JsonArray();
    int total = 0;
    for (Integer child : children.getOrDefault(pid, List.of())) {
      if (path.contains(child)) {
        continue;
      }
      JsonObject built = build(child, nodes, children, otherBlockers, path);
      total += 1 + built.getInteger("waiting_behind");
      waiters.add(built);
    }
    path.remove(pid);
    if (otherBlockers.containsKey(pid)) {
      node.put("also_blocked_by", new JsonArray(new ArrayList<>(otherBlockers.get(pid))));
    }
    return node.put("waiters", waiters).put("waiting_behind", total);
  }

  private static JsonObject waiterNode(int pid, JsonObject lock) {
    return new JsonObject().put("pid", pid).put("user", lock.getValue("blocked_user"))
        .put("application_name", lock.getValue("blocked_application"))
        .put("query", lock.getValue("blocked_query")).put("query_start", lock.getValue("blocked_query_start"))
        .put("wait_ms", lock.getValue("blocked_wait_ms"))
        .put("correlation_id", request(lock, "blocked_correlation_id", "blocked_application", "blocked_query"))
        .put("locktype", lock.getValue("locktype")).put("mode", lock.getValue("blocked_mode"))
        .put("relation", lock.getValue("relation"));
  }

  private static JsonObject blockerNode(int pid, JsonObject lock) {
    JsonObject node = new JsonObject().put("pid", pid).put("user", lock.getValue("blocking_user"))
        .put("application_name", lock.getValue("blocking_application"))
        .put("query", lock.getValue("blocking_query")).put("query_start", lock.getValue("blocking_query_start"))
        .put("correlation_id", request(lock, "blocking_correlation_id", "blocking_application", "blocking_query"));
    fillBlocker(node, lock);
    return node;
  }

  /** The agent's id, else one found in the application name or query (records of an older agent). */
  private static String request(JsonObject lock, String idKey, String applicationKey, String queryKey) {
    if (lock.getValue(idKey) instanceof String id && CorrelationIds.isLinkable(id)) {
      return id;
    }
    return CorrelationIds.fromSession(lock.getValue(applicationKey) instanceof String a ? a : null,
        lock.getValue(queryKey) instanceof String q ? q : null);
  }

  private static void fillBlocker(JsonObject node, JsonObject lock) {
    node.put("state", lock.getValue("blocking_state")).put("xact_ms", lock.getValue("blocking_xact_ms"))
        .put("wait_event_type", lock.getValue("blocking_wait_event_type"))
        .put("held_mode", lock.getValue("blocking_mode"));
  }

  // ---- sessions ----

  /**
   * The busiest sessions sample of the window (most non-idle sessions; the later one on a tie), and per sample
   * the counts for the chart (with the commonest wait events).
   */
  static JsonObject sessions(JsonArray rows) {
    JsonArray series = new JsonArray();
    Map<String, Integer> waitTotals = new HashMap<>();
    List<Map<String, Integer>> waitsPerSample = new ArrayList<>();
    JsonObject busiest = null;
    for (JsonObject row : chronological(rows)) {
      JsonObject data = data(row);
      JsonArray sessions = objects(data, PgSources.itemsKey(PgSources.ACTIVITY));
      int idleInTransaction = 0;
      Map<String, Integer> waits = new HashMap<>();
      for (Object item : sessions) {
        if (item instanceof JsonObject s) {
          if (s.getValue("state") instanceof String state && state.startsWith("idle in transaction")) {
            idleInTransaction++;
          }
          if (s.getValue("wait_event") instanceof String event) {
            String name = s.getValue("wait_event_type") + ":" + event;
            waits.merge(name, 1, Integer::sum);
            waitTotals.merge(name, 1, Integer::sum);
          }
        }
      }
      waitsPerSample.add(waits);
      series.add(new JsonObject().put("t", row.getLong("event_time_ms"))
          .put("active", maybe(data, "active")).put("waiting_on_locks", maybe(data, "waiting_on_locks"))
          .put("non_idle", maybe(data, "non_idle_total")).put("idle_in_transaction", idleInTransaction));
      if (busiest == null || sessions.size() >= busiest.getJsonArray("sessions").size()) {
        busiest = new JsonObject().put("time_ms", row.getLong("event_time_ms")).put("sessions", sessions)
            .put("busy", data.getValue("busy"));
      }
    }
    List<String> topWaits = waitTotals.entrySet().stream()
        .sorted((a, b) -> Integer.compare(b.getValue(), a.getValue())).limit(MAX_WAIT_EVENT_SERIES)
        .map(Map.Entry::getKey).toList();
    for (int i = 0; i < series.size(); i++) {
      JsonObject byEvent = new JsonObject();
      Map<String, Integer> waits = waitsPerSample.get(i);
      topWaits.forEach(name -> byEvent.put(name, waits.getOrDefault(name, 0)));
      series.getJsonObject(i).put("wait_events", byEvent);
    }
    return new JsonObject().put("busiest", busiest).put("series", series)
        .put("wait_events", new JsonArray(new ArrayList<>(topWaits)));
  }

  // ---- logs ----

  /** Log entries at their true times (newest first, capped) and counts per category in time buckets. */
  static JsonObject logs(JsonArray rows, long fromMs, long toMs) {
    long bucketMs = bucketMs(fromMs, toMs);
    Map<Long, JsonObject> buckets = new java.util.TreeMap<>();
    JsonObject totals = new JsonObject();
    // only the newest entries are kept (a bounded heap, oldest on top): a window can hold far more lines
    java.util.PriorityQueue<JsonObject> newest = new java.util.PriorityQueue<>(
        Comparator.comparingLong((JsonObject e) -> e.getLong("time_ms")));
    int total = 0;
    for (int i = 0; i < rows.size(); i++) {
      JsonObject row = rows.getJsonObject(i);
      for (Object item : objects(data(row), PgSources.itemsKey(PgSources.LOG))) {
        if (!(item instanceof JsonObject entry)) {
          continue;
        }
        Long at = PgEnvelopeView.isoMs(entry.getValue("timestamp_utc"));
        boolean estimated = at == null;
        if (at == null) {
          at = PgEnvelopeView.logMs(entry.getValue("timestamp"));
        }
        long time = at == null ? row.getLong("event_time_ms") : at;
        String category = entry.getValue("category") instanceof String c ? c : "other";
        totals.put(category, totals.getInteger(category, 0) + 1);
        JsonObject bucket = buckets.computeIfAbsent(time - Math.floorMod(time - fromMs, bucketMs),
            t -> new JsonObject());
        bucket.put(category, bucket.getInteger(category, 0) + 1);
        total++;
        if (newest.size() < MAX_LOG_ENTRIES || time > newest.peek().getLong("time_ms")) {
          newest.add(entry.copy().put("time_ms", time).put("time_estimated", estimated));
          if (newest.size() > MAX_LOG_ENTRIES) {
            newest.poll();
          }
        }
      }
    }
    List<JsonObject> entries = new ArrayList<>(newest);
    entries.sort(Comparator.comparingLong((JsonObject e) -> -e.getLong("time_ms")));
    JsonArray bucketList = new JsonArray();
    buckets.forEach((t, counts) -> bucketList.add(new JsonObject().put("t", t).put("counts", counts)));
    return new JsonObject().put("entries", new JsonArray(new ArrayList<>(entries)))
        .put("total", total).put("categories", totals).put("bucket_ms", bucketMs)
        .put("buckets", bucketList);
  }

  /** About 60 buckets over the window, at least 10 s each. */
  static long bucketMs(long fromMs, long toMs) {
    return Math.max(10_000L, (toMs - fromMs) / 60);
  }

  // ---- host metrics ----

  static JsonArray metrics(JsonArray rows) {
    JsonArray series = new JsonArray();
    for (JsonObject row : chronological(rows)) {
      JsonObject data = data(row);
      JsonObject cpu = object(data, "cpu");
      JsonObject memory = object(data, "memory");
      JsonObject disk = object(data, "disk_io");
      JsonObject net = object(data, "network_io");
      Double diskUsed = null;
      for (var entry : object(data, "disk_usage")) {
        if (entry.getValue() instanceof JsonObject usage && maybe(usage, "percent") != null) {
          diskUsed = Math.max(diskUsed == null ? 0 : diskUsed, usage.getDouble("percent"));
        }
      }
      series.add(new JsonObject().put("t", row.getLong("event_time_ms"))
          .put("cpu_percent", maybe(cpu, "percent")).put("iowait_percent", maybe(cpu, "iowait_percent"))
          .put("load_1m", maybe(cpu, "load_avg_1m")).put("memory_percent", maybe(memory, "percent"))
          .put("swap_percent", maybe(object(data, "swap"), "percent"))
          .put("disk_read_bytes_per_s", maybe(disk, "read_bytes_per_s"))
          .put("disk_write_bytes_per_s", maybe(disk, "write_bytes_per_s"))
          .put("net_recv_bytes_per_s", maybe(net, "bytes_recv_per_s"))
          .put("net_sent_bytes_per_s", maybe(net, "bytes_sent_per_s"))
          .put("disk_used_percent_max", diskUsed));
    }
    return series;
  }

  // ---- the agent's own state ----

  static JsonArray agent(JsonArray rows) {
    JsonArray events = new JsonArray();
    for (JsonObject row : chronological(rows)) {
      JsonObject data = data(row);
      if (!"ok".equals(data.getValue("state"))) {
        events.add(new JsonObject().put("time_ms", row.getLong("event_time_ms")).put("state", data.getValue("state"))
            .put("reason", data.getValue("reason")).put("outage_from", data.getValue("outage_from"))
            .put("outage_to", data.getValue("outage_to")).put("problems", data.getValue("problems")));
      }
    }
    return events;
  }

  private static double round(double value) {
    return Math.round(value * 1000.0) / 1000.0;
  }
}
