package com.bitville.apm.shared.bus;

/** Names of the operations served on {@link Addresses#STORAGE_QUERY}. */
public final class QueryNames {

  /** params {ids:[long]} reply {records:[{id, project, source, correlation_id, event_time_ms, ..., payload}]}. */
  public static final String RECORDS_BY_ID = "records.by-id";

  /** params {project?} reply {count, oldest_event_time_ms, max_id}. Used by tests, /ready and retention. */
  public static final String STATS = "stats";

  // --- retention (issue 3): every delete runs on the writer connection in one short transaction ---

  /**
   * params {before_ms, limit, project?, exclude_projects?:[...], count_unforwarded?} deletes up to {@code limit}
   * records with event_time_ms &lt; before_ms (of one project, or of every project not excluded), oldest first,
   * with their record_links, request_functions, request_sql and gelf_failures rows.
   * reply {deleted, unforwarded (deleted records the GELF cursor had not passed), oldest_deleted_ms}.
   */
  public static final String RETENTION_DELETE_EXPIRED = "retention.delete-expired";

  /** params {limit, count_unforwarded?} deletes the oldest records regardless of age (disk budget). Reply as above. */
  public static final String RETENTION_DELETE_OLDEST = "retention.delete-oldest";

  /**
   * params {after, limit} examines up to {@code limit} sql_texts rows after fingerprint {@code after} and deletes
   * those no request_sql row uses. reply {examined, deleted, next (fingerprint to continue from, or null)}.
   */
  public static final String RETENTION_SQL_TEXT_ORPHANS = "retention.sql-text-orphans";

  /**
   * params {pages, checkpoint?} runs {@code PRAGMA incremental_vacuum(pages)} (0: none) then a passive WAL checkpoint.
   * reply {freed_pages, free_pages_left, page_size, page_count}.
   */
  public static final String RETENTION_VACUUM = "retention.vacuum";

  /** params {} reply {page_size, page_count, free_pages, records, oldest_event_time_ms}. */
  public static final String RETENTION_FILE_STATS = "retention.file-stats";

  // --- GELF outbox (issue 3) ---

  /** params {} reply {forwarded_id, max_id, backlog, failed}. */
  public static final String GELF_CURSOR = "gelf.cursor";

  /** params {after_id, limit} reply {records:[...]} as {@link #RECORDS_BY_ID}, ids &gt; after_id in id order. */
  public static final String GELF_PAGE = "gelf.page";

  /** params {forwarded_id} moves the durable cursor forward (never back). reply {forwarded_id}. */
  public static final String GELF_ADVANCE = "gelf.advance";

  /** params {record_id, reason} records a never-sendable record. reply {failed}. */
  public static final String GELF_FAIL = "gelf.fail";

  private QueryNames() {
  }
}
