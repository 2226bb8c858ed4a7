package com.bitville.apm.shared.bus;

/** Names of the operations served on {@link Addresses#STORAGE_QUERY}. */
public final class QueryNames {

  /** params {ids:[long]} reply {records:[{id, project, source, correlation_id, event_time_ms, ..., payload}]}. */
  public static final String RECORDS_BY_ID = "records.by-id";

  /** params {project?} reply {count, oldest_event_time_ms, max_id}. Used by tests, /ready and retention. */
  public static final String STATS = "stats";

  private QueryNames() {
  }
}
