package com.bitville.apm.shared.bus;

/** Names of the operations served on {@link Addresses#STORAGE_QUERY}. */
public final class QueryNames {

  /** params {ids:[long]} reply {records:[{id, project, source, correlation_id, event_time_ms, ..., payload}]}. */
  public static final String RECORDS_BY_ID = "records.by-id";

  /** params {project?} reply {count, oldest_event_time_ms, max_id}. Used by tests, /ready and retention. */
  public static final String STATS = "stats";

  // ---- query side (issue 4); every operation takes "projects":[names] and never returns rows outside them ----

  /**
   * params {projects, from_ms?, to_ms?, route?, url_contains?, method?, status_min?, status_max?, host?,
   * min_duration_ms?, max_duration_ms?, correlation_id?, fatal?, sort: time|duration, order: asc|desc, limit,
   * after?: {value, id}} reply {items:[list columns], has_more}. PHP requests only, keyset pagination.
   */
  public static final String REQUESTS_LIST = "requests.list";

  /**
   * params {id, projects} reply {record?: {columns..., payload(binary, compressed)}, related:[{columns..., payload}]}.
   * The request's functions and SQL are in its payload (see {@code PhpProfile}).
   */
  public static final String REQUEST_DETAIL = "requests.detail";

  /** params {correlation_id, projects, limit} reply {records:[{columns..., payload}]} in time order. */
  public static final String CORRELATION = "correlation.records";

  /**
   * params {projects, from_ms, to_ms, limit} reply {routes:[{project, route, count, p50, p95, p99, max, total}],
   * approximate}.
   */
  public static final String ROUTE_STATS = "routes.stats";

  /** params {project, route, from_ms, to_ms} reply {buckets:[{upper_ms, count}], count, approximate}. */
  public static final String ROUTE_HISTOGRAM = "routes.histogram";

  /**
   * params {project, route, from_ms, to_ms, exclude_id, duration_ms} reply {count, faster, p50, p95, p99,
   * sample_size, payloads:[binary, compressed]}: the payloads of the route's most recent requests, whose functions
   * and SQL the caller averages into the "typical request".
   */
  public static final String ROUTE_BASELINE = "routes.baseline";

  /**
   * params {projects, source, from_ms?, to_ms?, limit, before_id?} reply {records:[{columns..., payload}]}:
   * pg-agent records of one source, newest first.
   */
  public static final String DATABASE_RECORDS = "database.records";
  // --- retention (issue 3): every delete runs on the writer connection in one short transaction ---

  /**
   * params {before_ms, limit, project?, exclude_projects?:[...], count_unforwarded?} deletes up to {@code limit}
   * records with event_time_ms &lt; before_ms (of one project, or of every project not excluded), oldest first,
   * with their record_links and gelf_failures rows.
   * reply {deleted, unforwarded (deleted records the GELF cursor had not passed), oldest_deleted_ms}.
   */
  public static final String RETENTION_DELETE_EXPIRED = "retention.delete-expired";

  /** params {limit, count_unforwarded?} deletes the oldest records regardless of age (disk budget). Reply as above. */
  public static final String RETENTION_DELETE_OLDEST = "retention.delete-oldest";

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
