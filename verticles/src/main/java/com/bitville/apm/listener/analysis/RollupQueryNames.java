package com.bitville.apm.listener.analysis;

/**
 * Names of the rollup operations served on the storage query address, with their parameters and replies. Every
 * read takes one {@code project}; callers check the user's rights to it first.
 */
public final class RollupQueryNames {

  /** params {} reply {rolled_id, max_id, backlog, caught_up_received_ms}: how far the rollups have caught up. */
  public static final String CURSOR = "rollup.cursor";

  /**
   * params {after_id, limit} reply {records: [{id, project, kind, source, event_time_ms, received_at_ms,
   * duration_ms_text, route, host, sql_time_ms_text, fatal, payload}]} in id order.
   */
  public static final String PAGE = "rollup.page";

  /**
   * params {after_id, batch: RollupBatch JSON} adds the batch to the rollup tables and moves the cursor to the batch's
   * last id, in one transaction, only if the cursor is still at {@code after_id}. reply {applied, rolled_id}.
   */
  public static final String WRITE = "rollup.write";

  /** params {before_ms} deletes rollup rows of minutes before it. reply {deleted}. */
  public static final String EXPIRE = "rollup.expire";

  /**
   * params {project, from_ms, to_ms, step_ms} reply {php: [{i, requests, total_us, sql_us, fatal}], histogram: [{i,
   * bucket, count}], db: [{i, samples, active, waiting, blocked, host_samples, load_milli, cpu_milli,
   * iowait_milli}]}, where i is the interval index (minute_ms - from_ms) / step_ms.
   */
  public static final String OVERVIEW = "rollup.overview";

  /** params {project, from_ms, to_ms} reply: the {@link WindowTotals} of that range as JSON (RollupJson). */
  public static final String WINDOW = "rollup.window";

  /**
   * params {project, from_ms, to_ms, limit} reply {requests, edges: [{edge, calls, wall_us, requests}]}: the XHProf
   * edges of the range, biggest inclusive time first.
   */
  public static final String EDGES = "rollup.edges";

  private RollupQueryNames() {
  }
}
