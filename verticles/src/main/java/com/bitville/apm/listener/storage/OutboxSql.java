package com.bitville.apm.listener.storage;

/** SQL of the GELF outbox: the durable cursor, the failures, paged reads in id order. */
final class OutboxSql {

  static final String CURSOR = "SELECT forwarded_id FROM gelf_outbox WHERE name = 'graylog'";

  static final String MAX_ID = "SELECT coalesce(max(id), 0) AS max_id FROM records";

  static final String BACKLOG = "SELECT count(*) AS backlog FROM records WHERE id > ?";

  static final String FAILED = "SELECT count(*) AS failed FROM gelf_failures";

  /**
   * REAL columns also as exact text: the JDBC layer decodes SQLite REAL as a Java float (7 digits), which would
   * forward 707.4129581451416 as 707.41296.
   */
  static final String PAGE = "SELECT " + RecordSql.COLUMNS + ", printf('%.17g', duration_ms) AS duration_ms_text,"
      + " printf('%.17g', sql_time_ms) AS sql_time_ms_text, payload FROM records WHERE id > ? ORDER BY id LIMIT ?";

  /** The cursor only moves forward, so a late or duplicated update can never re-open forwarded records. */
  static final String ADVANCE = """
      UPDATE gelf_outbox SET forwarded_id = max(forwarded_id, ?), updated_at_ms = ? WHERE name = 'graylog'""";

  static final String FAIL = "INSERT OR REPLACE INTO gelf_failures (record_id, failed_at_ms, reason) VALUES (?, ?, ?)";

  private OutboxSql() {
  }
}
