package com.bitville.apm.listener.storage.api;

import com.bitville.apm.listener.bus.ServiceAddress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The rollups of the spike analysis (per minute, and per hour for the whole hours of long ranges): the rollup
 * verticle's cursor and pages, the batched write that adds a page's aggregates at both levels and moves the cursor
 * in one transaction, expiry, and the range reads of the overview
 * and the window analysis. Every read takes one {@code project}; callers check the user's rights to it first.
 * Replies are the JSON objects described on each method.
 */
@ServiceAddress("bitville.storage.rollup.v1")
public interface RollupStore {

  /** Reply {rolled_id, max_id, backlog, caught_up_received_ms}: how far the rollups have caught up. */
  Future<JsonObject> cursor();

  /**
   * Reply {records: [{id, project, kind, source, event_time_ms, received_at_ms, duration_ms_text, route, host,
   * sql_time_ms_text, fatal, payload}]} in id order, ids above {@code afterId}: at most {@code limit} records and,
   * beyond the first, only while the compressed payloads before each stay under {@code maxBytes}.
   */
  Future<JsonObject> page(PageRequest request);

  /**
   * Adds the batch (RollupBatch JSON) to the rollup tables and moves the cursor to the batch's last id, in one
   * transaction, only if the cursor is still at {@code afterId}; the batch's per-request keys go first, in short
   * transactions of their own (inserted only if absent, so a page written twice adds them once). Reply {applied,
   * rolled_id}.
   */
  Future<JsonObject> write(RollupWrite write);

  /**
   * Deletes rollup rows of minutes before {@code beforeMs}, of hours entirely before it (the hour it cuts is made
   * again from its remaining minutes), per-request keys of events before it and the texts no rollup row uses any
   * more. Reply {deleted}.
   */
  Future<JsonObject> expire(Long beforeMs);

  /**
   * Reply {php: [{i, requests, total_us, sql_us, fatal}], percentiles: [{i, p50_ms, p95_ms}], db: [{i, samples,
   * active, idle_in_tx, waiting, blocked, host_samples, load_milli, cpu_milli, iowait_milli}]}, where i is the
   * interval index (minute_ms - from_ms) / step_ms; each list has only the intervals with data of its kind.
   */
  Future<JsonObject> overview(OverviewRequest request);

  /** Reply: the {@code WindowTotals} of that range as JSON (RollupJson). */
  Future<JsonObject> window(WindowRequest request);

  /**
   * Reply {requests, edges: [{edge, calls, wall_us, requests}]}: the XHProf call edges summed over the range (for
   * the flame graph), the heaviest {@code limit} first.
   */
  Future<JsonObject> edges(EdgesRequest request);

  record PageRequest(long afterId, int limit, long maxBytes) {
  }

  record RollupWrite(long afterId, JsonObject batch) {
  }

  record OverviewRequest(String project, long fromMs, long toMs, long stepMs) {
  }

  record WindowRequest(String project, long fromMs, long toMs) {
  }

  record EdgesRequest(String project, long fromMs, long toMs, int limit) {
  }
}
