package com.bitville.apm.listener.storage;

/** SQL of retention: batch selection, child-first deletes, vacuum. Kept in one place. */
final class RetentionSql {

  static final String EXPIRED_OF_PROJECT = """
      SELECT id, project, kind, event_time_ms FROM records WHERE project = ? AND event_time_ms < ?
      ORDER BY event_time_ms LIMIT ?""";

  /** Completed with {@code AND project NOT IN (...)} when some projects have their own policy. */
  static final String EXPIRED = "SELECT id, project, kind, event_time_ms FROM records WHERE event_time_ms < ?";

  static final String EXPIRED_ORDER = " ORDER BY event_time_ms LIMIT ?";

  static final String OLDEST = "SELECT id, project, kind, event_time_ms FROM records ORDER BY event_time_ms LIMIT ?";

  static final String GELF_CURSOR = "SELECT forwarded_id FROM gelf_outbox WHERE name = 'graylog'";

  static final String ROLLUP_CURSOR = "SELECT rolled_id FROM rollup_cursor WHERE name = 'rollup'";

  /** Each completed with an {@code IN (?, ...)} list of record ids; children first, the record last. */
  static final String DELETE_LINKS = "DELETE FROM record_links WHERE record_id IN ";
  static final String DELETE_FAILURES = "DELETE FROM gelf_failures WHERE record_id IN ";
  static final String DELETE_RECORDS = "DELETE FROM records WHERE id IN ";

  /** Parameters: project, minute_ms, then project, minute_ms and a minute later for the records still there. */
  static final String DELETE_EMPTY_REQUEST_KEYS = """
      DELETE FROM rollup_request_keys WHERE project = ? AND minute_ms = ? AND NOT EXISTS (SELECT 1 FROM records
        WHERE kind = 'php' AND project = ? AND event_time_ms >= ? AND event_time_ms < ?)""";

  static final String FAILED_AMONG = "SELECT count(*) AS failed FROM gelf_failures WHERE record_id > ? AND record_id IN ";

  static final String FREE_PAGES = "PRAGMA freelist_count";

  /** The page count is an integer the handler validated; PRAGMA arguments cannot be bound. */
  static final String INCREMENTAL_VACUUM = "PRAGMA incremental_vacuum(%d)";

  /** Passive: copies what it can without waiting for readers or blocking the writer behind them. */
  static final String CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)";

  /** After a checkpoint resets the WAL, it is truncated to this size instead of keeping its high-water mark. */
  static final String JOURNAL_SIZE_LIMIT = "PRAGMA journal_size_limit = 67108864";

  static final String FILE_STATS = """
      SELECT (SELECT page_size FROM pragma_page_size()) AS page_size,
             (SELECT page_count FROM pragma_page_count()) AS page_count,
             (SELECT freelist_count FROM pragma_freelist_count()) AS free_pages,
             (SELECT count(*) FROM records) AS records,
             (SELECT min(event_time_ms) FROM records) AS oldest_event_time_ms""";

  private RetentionSql() {
  }
}
