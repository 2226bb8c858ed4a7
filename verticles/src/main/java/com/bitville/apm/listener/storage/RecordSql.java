package com.bitville.apm.listener.storage;

/** SQL of the record write path and the basic reads, kept in one place. */
public final class RecordSql {

  public static final String INSERT_RECORD = """
      INSERT INTO records (id, project, kind, source, correlation_id, event_time_ms, received_at_ms,
        event_time_estimated, duration_ms, route, url, method, status, host, sql_count, sql_time_ms,
        memory_peak_bytes, fatal, summary, node, payload)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

  /** The stored PHP request with this project and correlation id (index records_correlation). */
  static final String FIND_PHP_REQUEST = """
      SELECT id FROM records WHERE correlation_id = ? AND project = ? AND kind = 'php' ORDER BY id LIMIT 1""";

  static final String INSERT_LINK = "INSERT OR IGNORE INTO record_links (correlation_id, record_id) VALUES (?, ?)";

  static final String NEXT_ID = """
      SELECT max((SELECT value FROM counters WHERE name = 'next_record_id'),
                 (SELECT coalesce(max(id), 0) + 1 FROM records)) AS next_id""";

  public static final String SAVE_NEXT_ID = "UPDATE counters SET value = ? WHERE name = 'next_record_id'";

  static final String COLUMNS = """
      id, project, kind, source, correlation_id, event_time_ms, received_at_ms, event_time_estimated,
      duration_ms, route, url, method, status, host, sql_count, sql_time_ms, memory_peak_bytes, fatal, summary,
      node""";

  private RecordSql() {
  }
}
