package com.bitville.apm.listener.storage;

/**
 * SQL of the query side, kept in one place. Only {@code ?} parameters; the few dynamic parts (a list of
 * {@code ?} for the projects IN list, optional filter clauses, the sort direction) are chosen from the
 * constants below, never built from request text.
 */
final class QuerySql {

  /*
   * REAL columns reach Java through the JDBC decoder as floats (sqlite-jdbc reports them as Types.REAL), so
   * "x + 0.0" (reported as FLOAT, a double) keeps every bit, and duration_key carries the exact duration as
   * round-trip text for duration cursors: a rounded cursor value would skip or repeat rows at ties.
   */
  static final String LIST_COLUMNS = """
      id, project, correlation_id, event_time_ms, event_time_estimated, duration_ms + 0.0 AS duration_ms, route,
      url, method, status, host, sql_count, sql_time_ms + 0.0 AS sql_time_ms, memory_peak_bytes, fatal,
      printf('%.17g', duration_ms) AS duration_key""";

  static final String RECORD_COLUMNS = """
      id, project, kind, source, correlation_id, event_time_ms, received_at_ms, event_time_estimated,
      duration_ms + 0.0 AS duration_ms, route, url, method, status, host, sql_count, sql_time_ms + 0.0 AS sql_time_ms,
      memory_peak_bytes, fatal, summary, node""";

  /*
   * The list names its index: without ANALYZE statistics SQLite may prefer the duration index plus a sort over
   * every row of the project, which is seconds at millions of rows. Each choice below keeps the ORDER BY and the
   * keyset condition on one index range, so a page reads about "limit" index entries.
   */
  static final String LIST_BY_TIME = "SELECT " + LIST_COLUMNS
      + " FROM records INDEXED BY records_php_project_time WHERE kind = 'php' AND project = ?";
  static final String LIST_BY_ROUTE_TIME = "SELECT " + LIST_COLUMNS
      + " FROM records INDEXED BY records_php_route_time WHERE kind = 'php' AND project = ?";
  static final String LIST_BY_DURATION = "SELECT " + LIST_COLUMNS
      + " FROM records INDEXED BY records_project_duration WHERE kind = 'php' AND project = ?";
  /** A correlation id is selective on its own index: let the planner use it. */
  static final String LIST_PLAIN = "SELECT " + LIST_COLUMNS + " FROM records WHERE kind = 'php' AND +project = ?";
  /** Several projects: one index range per project, merged; the outer sort sees at most projects x limit rows. */
  static final String UNION_PART = "SELECT * FROM (%s)";
  static final String UNION_ALL = " UNION ALL ";

  /*
   * Requests stored after an id: a rowid range (NOT INDEXED still allows it, and keeps the planner off the
   * project indexes, which would walk every request of the project), bounded above by the scan limit.
   */
  static final String STORED_AFTER = "SELECT " + LIST_COLUMNS
      + " FROM records NOT INDEXED WHERE id > ? AND id <= ? AND kind = 'php' AND project = ?";
  static final String ORDER_ID = " ORDER BY id LIMIT ?";
  static final String NEWEST_ID = "SELECT coalesce(max(id), 0) AS newest FROM records";

  // ---- optional filters of requests.list, appended with AND ----
  static final String F_FROM = "event_time_ms >= ?";
  static final String F_TO = "event_time_ms < ?";
  static final String F_ROUTE = "route = ?";
  static final String F_URL = "url LIKE ? ESCAPE '\\'";
  static final String F_METHOD = "method = ?";
  static final String F_STATUS = "status BETWEEN ? AND ?";
  static final String F_HOST = "host = ?";
  // unary + keeps these off the index choice: the page must stay one ordered index range
  static final String F_MIN_DURATION = "+duration_ms >= ?";
  static final String F_MAX_DURATION = "+duration_ms <= ?";
  static final String F_CORRELATION = "correlation_id = ?";
  static final String F_FATAL = "fatal = ?";
  /*
   * The rollup's per-request keys: lists of record ids per key and minute, read by their primary key for the
   * minutes that overlap the window (the minute that starts up to a minute before it, too); the id set is built
   * once, and the page still walks one ordered index range of records, which bounds the time exactly.
   */
  static final String F_SQL_FINGERPRINT = requestKeyFilter("SQL");
  static final String F_FUNCTION = requestKeyFilter("FUNCTION");

  private static String requestKeyFilter(String kind) {
    return "id IN (SELECT j.value FROM rollup_request_keys k, json_each(k.ids) j WHERE k.project = ? AND k.kind = '"
        + kind + "' AND k.key = ? AND k.minute_ms > ? AND k.minute_ms < ?)";
  }

  // ---- keyset pagination: the cursor holds (sort value, id) of the last row shown ----
  static final String AFTER_TIME_DESC = "(event_time_ms, id) < (?, ?)";
  static final String AFTER_TIME_ASC = "(event_time_ms, id) > (?, ?)";
  static final String AFTER_DURATION_DESC = "(duration_ms, id) < (?, ?)";
  static final String AFTER_DURATION_ASC = "(duration_ms, id) > (?, ?)";
  static final String ORDER_TIME_DESC = " ORDER BY event_time_ms DESC, id DESC LIMIT ?";
  static final String ORDER_TIME_ASC = " ORDER BY event_time_ms ASC, id ASC LIMIT ?";
  // qualified: the bare name would mean the "duration_ms + 0.0" output column and force a sort of every row
  static final String ORDER_DURATION_DESC = " ORDER BY records.duration_ms DESC, id DESC LIMIT ?";
  static final String ORDER_DURATION_ASC = " ORDER BY records.duration_ms ASC, id ASC LIMIT ?";
  static final String OUTER_TIME_DESC = "SELECT * FROM (%s) ORDER BY event_time_ms DESC, id DESC LIMIT ?";
  static final String OUTER_TIME_ASC = "SELECT * FROM (%s) ORDER BY event_time_ms ASC, id ASC LIMIT ?";
  static final String OUTER_DURATION_DESC = "SELECT * FROM (%s) ORDER BY duration_ms DESC, id DESC LIMIT ?";
  static final String OUTER_DURATION_ASC = "SELECT * FROM (%s) ORDER BY duration_ms ASC, id ASC LIMIT ?";

  static final String RECORD_BY_ID = "SELECT " + RECORD_COLUMNS
      + ", payload FROM records WHERE id = ? AND project IN ";

  /**
   * Records sharing a correlation id (linked by the id itself or found inside pg-agent data). Written as one
   * id set so that SQLite looks rows up by rowid instead of scanning the project for an OR.
   */
  static final String CORRELATED = "SELECT " + RECORD_COLUMNS + """
      , payload FROM records
      WHERE id IN (SELECT record_id FROM record_links WHERE correlation_id = ?
                   UNION SELECT id FROM records WHERE correlation_id = ?)
        AND +project IN""";

  static final String CORRELATED_ORDER = " ORDER BY event_time_ms, id LIMIT ?";

  /** Exact statistics of a short window; pinned to the time index (the planner would scan every route's rows). */
  static final String ROUTES_EXACT = """
      WITH w AS (
        SELECT project, coalesce(route, '') AS route, duration_ms + 0.0 AS d,
          row_number() OVER (PARTITION BY project, route ORDER BY duration_ms) AS rn,
          count(*) OVER (PARTITION BY project, route) AS n
        FROM records INDEXED BY records_php_project_time
        WHERE kind = 'php' AND duration_ms IS NOT NULL AND event_time_ms >= ? AND event_time_ms < ?
          AND project IN %s)
      SELECT project, route, max(n) AS count,
        min(CASE WHEN rn >= 0.50 * n THEN d END) AS p50,
        min(CASE WHEN rn >= 0.95 * n THEN d END) AS p95,
        min(CASE WHEN rn >= 0.99 * n THEN d END) AS p99,
        max(d) AS max, sum(d) AS total
      FROM w GROUP BY project, route ORDER BY total DESC LIMIT ?""";

  /** Per (project, route, bucket) over whole hours; percentiles are computed from the buckets in Java. */
  static final String ROUTES_HOURLY = """
      SELECT h.project, h.route, h.bucket, b.upper_ms + 0.0 AS upper_ms, sum(h.count) AS count, sum(h.total_ms) + 0.0 AS total,
        max(h.max_ms) + 0.0 AS max
      FROM route_hourly h LEFT JOIN duration_buckets b ON b.bucket = h.bucket
      WHERE h.hour_ms >= ? AND h.hour_ms < ? AND h.project IN %s
      GROUP BY h.project, h.route, h.bucket ORDER BY h.project, h.route, h.bucket""";

  static final String ROUTE_HISTOGRAM_HOURLY = """
      SELECT h.bucket, b.upper_ms + 0.0 AS upper_ms, sum(h.count) AS count, max(h.max_ms) + 0.0 AS max
      FROM route_hourly h LEFT JOIN duration_buckets b ON b.bucket = h.bucket
      WHERE h.project = ? AND h.hour_ms >= ? AND h.hour_ms < ? AND h.route = ?
      GROUP BY h.bucket ORDER BY h.bucket""";

  static final String ROUTE_DURATIONS = """
      SELECT duration_ms + 0.0 AS duration_ms FROM records WHERE kind = 'php' AND project = ? AND route = ? AND event_time_ms >= ?
        AND event_time_ms < ? AND id <> ? AND duration_ms IS NOT NULL ORDER BY duration_ms LIMIT ?""";

  static final String BASELINE_COUNTS = """
      SELECT count(*) AS count, sum(CASE WHEN duration_ms < ? THEN 1 ELSE 0 END) AS faster
      FROM records WHERE kind = 'php' AND project = ? AND route = ? AND event_time_ms >= ? AND event_time_ms < ?
        AND id <> ?""";

  /** The most recent requests of a route in the window: the sample that defines its "typical request". */
  static final String BASELINE_SAMPLE = """
      SELECT id FROM records WHERE kind = 'php' AND project = ? AND route = ? AND event_time_ms >= ?
        AND event_time_ms < ? AND id <> ? ORDER BY event_time_ms DESC LIMIT ?""";

  /** Payloads of the baseline sample: its functions and SQL are aggregated by the query server. */
  static final String BASELINE_PAYLOADS = "SELECT payload FROM records WHERE id IN %s";

  static final String DATABASE_RECORDS = "SELECT " + RECORD_COLUMNS + """
      , payload FROM records WHERE kind = 'postgres' AND source = ? AND event_time_ms >= ? AND event_time_ms < ?
        AND (event_time_ms, id) < (?, ?) AND project IN %s ORDER BY event_time_ms DESC, id DESC LIMIT ?""";

  /** "(?, ?, ?)" for n parameters. */
  static String marks(int n) {
    return " (" + "?, ".repeat(n - 1) + "?)";
  }

  private QuerySql() {
  }
}
