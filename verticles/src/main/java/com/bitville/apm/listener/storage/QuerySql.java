package com.bitville.apm.listener.storage;

/**
 * SQL of the query side, kept in one place. Only {@code ?} parameters; the few dynamic parts (a list of
 * {@code ?} for the projects IN list, optional filter clauses, the sort direction) are chosen from the
 * constants below, never built from request text.
 */
final class QuerySql {

  static final String LIST_COLUMNS = """
      id, project, correlation_id, event_time_ms, event_time_estimated, duration_ms + 0.0 AS duration_ms, route,
      url, method, status, host, sql_count, sql_time_ms + 0.0 AS sql_time_ms, memory_peak_bytes, fatal""";

  static final String RECORD_COLUMNS = """
      id, project, kind, source, correlation_id, event_time_ms, received_at_ms, event_time_estimated,
      duration_ms + 0.0 AS duration_ms, route, url, method, status, host, sql_count, sql_time_ms + 0.0 AS sql_time_ms,
      memory_peak_bytes, fatal, summary, node""";

  static final String LIST_FROM = "SELECT " + LIST_COLUMNS + " FROM records WHERE kind = 'php' AND project IN ";

  // ---- optional filters of requests.list, appended with AND ----
  static final String F_FROM = "event_time_ms >= ?";
  static final String F_TO = "event_time_ms < ?";
  static final String F_ROUTE = "route = ?";
  static final String F_URL = "url LIKE ? ESCAPE '\\'";
  static final String F_METHOD = "method = ?";
  static final String F_STATUS = "status BETWEEN ? AND ?";
  static final String F_HOST = "host = ?";
  static final String F_MIN_DURATION = "duration_ms >= ?";
  static final String F_MAX_DURATION = "duration_ms <= ?";
  static final String F_CORRELATION = "correlation_id = ?";
  static final String F_FATAL = "fatal = ?";

  // ---- keyset pagination: the cursor holds (sort value, id) of the last row shown ----
  static final String AFTER_TIME_DESC = "(event_time_ms, id) < (?, ?)";
  static final String AFTER_TIME_ASC = "(event_time_ms, id) > (?, ?)";
  /*
   * Durations are REAL and reach Java as floats through the JDBC decoder (7 digits), so a duration cursor is
   * re-read exactly from the row it names; the cursor's own value is only the fallback when that row is gone.
   */
  static final String AFTER_DURATION_DESC =
      "(duration_ms, id) < (coalesce((SELECT c.duration_ms FROM records c WHERE c.id = ?), ?), ?)";
  static final String AFTER_DURATION_ASC =
      "(duration_ms, id) > (coalesce((SELECT c.duration_ms FROM records c WHERE c.id = ?), ?), ?)";
  static final String ORDER_TIME_DESC = " ORDER BY event_time_ms DESC, id DESC LIMIT ?";
  static final String ORDER_TIME_ASC = " ORDER BY event_time_ms ASC, id ASC LIMIT ?";
  static final String ORDER_DURATION_DESC = " ORDER BY duration_ms DESC, id DESC LIMIT ?";
  static final String ORDER_DURATION_ASC = " ORDER BY duration_ms ASC, id ASC LIMIT ?";

  static final String RECORD_BY_ID = "SELECT " + RECORD_COLUMNS
      + ", payload FROM records WHERE id = ? AND project IN ";

  static final String FUNCTIONS_OF = "SELECT name, calls, wall_us FROM request_functions WHERE record_id = ?"
      + " ORDER BY wall_us DESC";

  static final String SQL_OF = """
      SELECT s.seq, s.fingerprint, t.normalized, s.time_ms + 0.0 AS time_ms FROM request_sql s
      LEFT JOIN sql_texts t ON t.fingerprint = s.fingerprint WHERE s.record_id = ? ORDER BY s.seq""";

  /** Records sharing a correlation id (linked by the id itself or found inside pg-agent data). */
  static final String CORRELATED = "SELECT " + RECORD_COLUMNS + """
      , payload FROM records
      WHERE (id IN (SELECT record_id FROM record_links WHERE correlation_id = ?) OR correlation_id = ?)
        AND project IN """;

  static final String CORRELATED_ORDER = " ORDER BY event_time_ms, id LIMIT ?";

  static final String ROUTES_EXACT = """
      WITH w AS (
        SELECT project, coalesce(route, '') AS route, duration_ms + 0.0 AS d,
          row_number() OVER (PARTITION BY project, route ORDER BY duration_ms) AS rn,
          count(*) OVER (PARTITION BY project, route) AS n
        FROM records WHERE kind = 'php' AND duration_ms IS NOT NULL AND event_time_ms >= ? AND event_time_ms < ?
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
        AND event_time_ms < ? AND duration_ms IS NOT NULL ORDER BY duration_ms LIMIT ?""";

  static final String BASELINE_COUNTS = """
      SELECT count(*) AS count, sum(CASE WHEN duration_ms < ? THEN 1 ELSE 0 END) AS faster
      FROM records WHERE kind = 'php' AND project = ? AND route = ? AND event_time_ms >= ? AND event_time_ms < ?
        AND id <> ?""";

  /** The most recent requests of a route in the window: the sample that defines its "typical request". */
  static final String BASELINE_SAMPLE = """
      SELECT id FROM records WHERE kind = 'php' AND project = ? AND route = ? AND event_time_ms >= ?
        AND event_time_ms < ? AND id <> ? ORDER BY event_time_ms DESC LIMIT ?""";

  static final String BASELINE_FUNCTIONS = """
      SELECT name, count(*) AS requests, sum(calls) AS calls, sum(wall_us) AS wall_us FROM request_functions
      WHERE record_id IN %s GROUP BY name""";

  static final String BASELINE_SQL = """
      SELECT s.fingerprint, t.normalized, count(DISTINCT s.record_id) AS requests, count(*) AS executions,
        sum(s.time_ms) AS time_ms
      FROM request_sql s LEFT JOIN sql_texts t ON t.fingerprint = s.fingerprint
      WHERE s.record_id IN %s GROUP BY s.fingerprint""";

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
