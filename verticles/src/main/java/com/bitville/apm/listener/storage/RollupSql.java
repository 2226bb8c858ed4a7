package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.analysis.RollupTable;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL of the rollups: the cursor, pages of records to roll up, upserts that add (per minute and per hour), range
 * reads over minutes and hours, expiry.
 */
final class RollupSql {

  static final String CURSOR = "SELECT rolled_id, caught_up_received_ms FROM rollup_cursor WHERE name = 'rollup'";

  static final String MAX_ID = "SELECT coalesce(max(id), 0) AS max_id FROM records";

  static final String BACKLOG = "SELECT count(*) AS backlog FROM records WHERE id > ?";

  /**
   * The next records after the cursor, at most {@code limit} and, except for the first, while the payloads before
   * each stay under a byte budget (compressed sizes), so a page of large payloads stays small in memory. REAL
   * columns as exact text: the JDBC layer would hand them over with float precision.
   */
  static final String PAGE = """
      SELECT id, project, kind, source, event_time_ms, received_at_ms, duration_ms_text, route, host,
        sql_time_ms_text, fatal, payload
      FROM (SELECT id, project, kind, source, event_time_ms, received_at_ms,
          printf('%.17g', duration_ms) AS duration_ms_text, route, host,
          printf('%.17g', sql_time_ms) AS sql_time_ms_text, fatal, payload,
          sum(length(payload)) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) - length(payload) AS bytes_before
        FROM records WHERE id > ? ORDER BY id LIMIT ?)
      WHERE bytes_before < ? ORDER BY id""";

  /** Moves the cursor only from where the page started: a page is added once, whoever else rolls up. */
  static final String ADVANCE = """
      UPDATE rollup_cursor SET rolled_id = ?, caught_up_received_ms = max(caught_up_received_ms, ?), updated_at_ms = ?
      WHERE name = 'rollup' AND rolled_id = ?""";

  static final String SQL_TEXT = """
      INSERT INTO rollup_sql_text (project, fingerprint, normalized) VALUES (?, ?, ?)
      ON CONFLICT (project, fingerprint) DO NOTHING""";

  /** Statement texts are read rarely by the pg-agent; the newest one wins. */
  static final String STATEMENT_TEXT = """
      INSERT INTO rollup_statement_text (project, queryid, query) VALUES (?, ?, ?)
      ON CONFLICT (project, queryid) DO UPDATE SET query = excluded.query""";

  /** Written in the page's own transaction with the cursor, so a page's lists are added exactly once. */
  static final String REQUEST_KEYS = """
      INSERT INTO rollup_request_keys (project, kind, key, minute_ms, first_id, ids) VALUES (?, ?, ?, ?, ?, ?)""";

  /** Per project: the (project, minute_ms) index serves it. */
  static final String EXPIRE_REQUEST_KEYS = "DELETE FROM rollup_request_keys WHERE project = ? AND minute_ms < ?";

  /**
   * Every project with rollups: each minute row has its hour row, and hours are kept longer than their minutes. A
   * project with only statement texts left is found by them, so they expire too; one with only request lists left
   * by a walk of their primary key from project to project (a DISTINCT would read every row).
   */
  static final String PROJECTS = "WITH RECURSIVE keyed(project) AS (SELECT min(project) FROM rollup_request_keys "
      + "UNION ALL SELECT (SELECT min(k.project) FROM rollup_request_keys k WHERE k.project > keyed.project) "
      + "FROM keyed WHERE keyed.project IS NOT NULL) "
      + "SELECT DISTINCT project FROM rollup_overview_hour UNION SELECT DISTINCT project "
      + "FROM rollup_sql_text UNION SELECT DISTINCT project FROM rollup_statement_text UNION SELECT DISTINCT project "
      + "FROM rollup_sql_hour UNION SELECT DISTINCT project FROM rollup_db_statement_hour "
      + "UNION SELECT project FROM keyed WHERE project IS NOT NULL";

  /**
   * Texts that no rollup row refers to any more (project, project). The hour rows are enough to look at: every
   * minute row has its hour row, which outlives it. A text seen again is written again with its rows.
   */
  static final List<String> EXPIRE_TEXTS = List.of("DELETE FROM rollup_sql_text WHERE project = ? AND fingerprint "
          + "NOT IN (SELECT fingerprint FROM rollup_sql_hour WHERE project = ?)",
      "DELETE FROM rollup_statement_text WHERE project = ? AND queryid NOT IN (SELECT queryid FROM "
          + "rollup_db_statement_hour WHERE project = ?)");

  static final long HOUR_MS = 3_600_000;

  /** Adds a row's sums to the stored row of the same key (a minute's or an hour's) and raises its maxima. */
  static String upsert(RollupTable table, boolean hourly) {
    List<String> columns = new ArrayList<>(List.of("project", hourly ? "hour_ms" : "minute_ms"));
    columns.addAll(table.keys());
    List<String> keys = new ArrayList<>(columns);
    columns.addAll(RollupSchema.columnsOf(table));
    List<String> updates = new ArrayList<>();
    table.sums().forEach(c -> updates.add(c + " = " + c + " + excluded." + c));
    table.maxes().forEach(c -> updates.add(c + " = max(" + c + ", excluded." + c + ")"));
    String name = hourly ? RollupSchema.hourTable(table) : table.table();
    if (table.histogram()) {
      columns.add(RollupTable.HISTOGRAM_COLUMN);
      updates.add(mergeHistogram(name));
    }
    return "INSERT INTO " + name + " (" + String.join(", ",
        columns) + ") VALUES (" + String.join(", ", columns.stream().map(c -> "?").toList()) + ") ON CONFLICT ("
        + String.join(", ", keys) + ") DO UPDATE SET " + String.join(", ", updates);
  }

  /** Adds the counts of the new row's histogram (JSON bucket -> count) to the stored one's, bucket by bucket. */
  private static String mergeHistogram(String table) {
    String h = RollupTable.HISTOGRAM_COLUMN;
    return h + " = CASE WHEN excluded." + h + " = '{}' THEN " + h + " ELSE (SELECT json_group_object(bucket, n) FROM "
        + "(SELECT key AS bucket, sum(value) AS n FROM (SELECT key, value FROM json_each(" + table + "." + h + ") "
        + "UNION ALL SELECT key, value FROM json_each(excluded." + h + ")) GROUP BY key)) END";
  }

  static String expire(RollupTable table) {
    return "DELETE FROM " + table.table() + " WHERE project = ? AND minute_ms < ?";
  }

  /** The minutes of the hour that the retention cuts (project, hour start, retention start). */
  static String expireWithinHour(RollupTable table) {
    return "DELETE FROM " + table.table() + " WHERE project = ? AND minute_ms >= ? AND minute_ms < ?";
  }

  static String deleteHour(RollupTable table) {
    return "DELETE FROM " + RollupSchema.hourTable(table) + " WHERE project = ? AND hour_ms = ?";
  }

  /**
   * The hour row made again from the minutes it still has (parameters: hour, project, hour start, hour end): after
   * the retention cut an hour, its row holds what is left of it and no more, so a read of whole hours never shows
   * minutes that have expired.
   */
  static String rebuildHour(RollupTable table) {
    List<String> columns = new ArrayList<>(List.of("project", "hour_ms"));
    columns.addAll(table.keys());
    columns.addAll(RollupSchema.columnsOf(table));
    List<String> values = new ArrayList<>(List.of("t.project", "?"));
    table.keys().forEach(k -> values.add("t." + k));
    table.sums().forEach(c -> values.add("sum(t." + c + ")"));
    table.maxes().forEach(c -> values.add("max(t." + c + ")"));
    List<String> groups = new ArrayList<>(List.of("t.project"));
    table.keys().forEach(k -> groups.add("t." + k));
    if (table.histogram()) {
      String h = RollupTable.HISTOGRAM_COLUMN;
      columns.add(h);
      StringBuilder sameKey = new StringBuilder();
      table.keys().forEach(k -> sameKey.append(" AND m.").append(k).append(" = t.").append(k));
      values.add("coalesce((SELECT json_group_object(bucket, n) FROM (SELECT j.key AS bucket, sum(j.value) AS n FROM "
          + table.table() + " m, json_each(m." + h + ") j WHERE m.project = t.project AND m.minute_ms >= "
          + "t.minute_ms / " + HOUR_MS + " * " + HOUR_MS + " AND m.minute_ms < t.minute_ms / " + HOUR_MS + " * "
          + HOUR_MS + " + " + HOUR_MS + sameKey + " GROUP BY j.key)), '{}')");
    }
    return "INSERT INTO " + RollupSchema.hourTable(table) + " (" + String.join(", ", columns) + ") SELECT "
        + String.join(", ", values) + " FROM " + table.table() + " t WHERE t.project = ? AND t.minute_ms >= ? AND "
        + "t.minute_ms < ? GROUP BY " + String.join(", ", groups);
  }

  /** Hours are deleted once every minute of them is past the retention. */
  static String expireHours(RollupTable table) {
    return "DELETE FROM " + RollupSchema.hourTable(table) + " WHERE project = ? AND hour_ms < ?";
  }

  /**
   * The rows of a range as one source: the minutes of two partial edges and the whole hours between them
   * (parameters: project, from, to three times; an unused part gets an empty range). {@code TIME} in the columns
   * stands for the row's start. Hour rows are the sums and maxima of their minutes, so any aggregate over this
   * source equals the same aggregate over the minutes alone.
   */
  private static String source(RollupTable table, String columns) {
    String minutes = columns.replace("TIME", "minute_ms");
    return "(SELECT " + minutes + " FROM " + table.table() + RANGE + " UNION ALL SELECT " + minutes + " FROM "
        + table.table() + RANGE + " UNION ALL SELECT " + columns.replace("TIME", "hour_ms") + " FROM "
        + RollupSchema.hourTable(table) + " WHERE project = ? AND hour_ms >= ? AND hour_ms < ?)";
  }

  private static final String RANGE = " WHERE project = ? AND minute_ms >= ? AND minute_ms < ?";

  // ---- overview: interval index i = (t - from) / step ----

  /** Every row of the range in time order; the storage side sums them per interval. */
  static final String OVERVIEW = "SELECT t, " + String.join(", ", RollupSchema.columnsOf(RollupTable.OVERVIEW))
      + ", " + RollupTable.HISTOGRAM_COLUMN + " FROM " + source(RollupTable.OVERVIEW, "TIME AS t, " + String.join(", ",
      RollupSchema.columnsOf(RollupTable.OVERVIEW)) + ", " + RollupTable.HISTOGRAM_COLUMN);

  private static final String DB_COLUMNS = "samples, active, idle_in_tx, waiting, blocked, host_samples, load_milli,"
      + " cpu_milli, iowait_milli";

  // ---- a window's totals; long lists are cut to their biggest items ----

  static final String ROUTES = "SELECT route, sum(count) AS count, sum(total_us) AS total_us, max(max_us) AS max_us "
      + "FROM " + source(RollupTable.PHP, "route, count, total_us, max_us") + " GROUP BY route";

  static final String ROUTE_HISTOGRAM = "SELECT route, bucket, sum(count) AS count FROM "
      + source(RollupTable.PHP_HISTOGRAM, "route, bucket, count") + " GROUP BY route, bucket";

  static final String HOSTS = "SELECT host, sum(count) AS count, sum(total_us) AS total_us FROM "
      + source(RollupTable.PHP, "host, count, total_us") + " GROUP BY host";

  static final String FUNCTIONS = "SELECT name, sum(calls) AS calls, sum(self_us) AS self_us, sum(wall_us) AS "
      + "wall_us, sum(requests) AS requests FROM " + source(RollupTable.FUNCTION, "name, calls, self_us, wall_us, "
      + "requests") + " GROUP BY name ORDER BY self_us DESC LIMIT ?";

  static final String SQL = "SELECT s.fingerprint, t.normalized, s.count, s.total_us, s.requests FROM (SELECT "
      + "fingerprint, sum(count) AS count, sum(total_us) AS total_us, sum(requests) AS requests FROM "
      + source(RollupTable.SQL, "fingerprint, count, total_us, requests") + " GROUP BY fingerprint ORDER BY "
      + "total_us DESC LIMIT ?) s LEFT JOIN rollup_sql_text t ON t.project = ? AND t.fingerprint = s.fingerprint";

  static final String STATEMENTS = "SELECT s.queryid, t.query, s.calls, s.total_us FROM (SELECT queryid, sum(calls) "
      + "AS calls, sum(total_us) AS total_us FROM " + source(RollupTable.DB_STATEMENT, "queryid, calls, total_us")
      + " GROUP BY queryid ORDER BY total_us DESC LIMIT ?) s LEFT JOIN rollup_statement_text t ON t.project = ? "
      + "AND t.queryid = s.queryid";

  static final String LOCKS = "SELECT blocking_query, blocking_correlation_id, sum(waiter_samples) AS waiter_samples,"
      + " sum(wait_us) AS wait_us, max(max_waiters) AS max_waiters FROM " + source(RollupTable.LOCK,
      "blocking_query, blocking_correlation_id, waiter_samples, wait_us, max_waiters")
      + " GROUP BY blocking_query, blocking_correlation_id ORDER BY wait_us DESC LIMIT ?";

  static final String LOGS = "SELECT category, sum(count) AS count FROM " + source(RollupTable.LOG, "category, count")
      + " GROUP BY category";

  static final String DB = "SELECT coalesce(sum(samples), 0) AS samples, coalesce(sum(active), 0) AS active, "
      + "coalesce(sum(idle_in_tx), 0) AS idle_in_tx, coalesce(sum(waiting), 0) AS waiting, coalesce(sum(blocked), 0)"
      + " AS blocked, coalesce(sum(host_samples), 0) AS host_samples, coalesce(sum(load_milli), 0) AS load_milli, "
      + "coalesce(sum(cpu_milli), 0) AS cpu_milli, coalesce(sum(iowait_milli), 0) AS iowait_milli FROM "
      + source(RollupTable.OVERVIEW, DB_COLUMNS);

  static final String EDGES = "SELECT edge, sum(calls) AS calls, sum(wall_us) AS wall_us, sum(requests) AS requests "
      + "FROM " + source(RollupTable.EDGE, "edge, calls, wall_us, requests") + " GROUP BY edge ORDER BY wall_us DESC "
      + "LIMIT ?";

  static final String REQUESTS = "SELECT coalesce(sum(count), 0) AS requests FROM "
      + source(RollupTable.OVERVIEW, "count");

  private RollupSql() {
  }
}
