package com.bitville.apm.listener.retention;

import com.bitville.apm.listener.storage.api.RetentionStore.Deleted;
import io.vertx.core.json.JsonObject;

/** What one retention run did; its JSON is the /ready detail and the reply of a run request. */
final class RetentionRun {

  final long startedMs = System.currentTimeMillis();
  long deleted;
  long deletedForBudget;
  long unforwarded;
  long unrolled;
  long reclaimedBytes;
  int batches;
  long sizeBeforeBytes;
  long sizeAfterBytes;
  Long oldestEventTimeMs;
  long records;
  long freePages;
  boolean budgetExceeded;

  void add(Deleted batch, boolean forBudget) {
    long count = batch.deleted();
    deleted += count;
    if (forBudget) {
      deletedForBudget += count;
    }
    unforwarded += batch.unforwarded();
    unrolled += batch.unrolled();
    batches++;
  }

  JsonObject toJson(long endedMs) {
    return new JsonObject().put("started_at_ms", startedMs).put("duration_ms", endedMs - startedMs)
        .put("rows_deleted", deleted).put("rows_deleted_for_disk_budget", deletedForBudget)
        .put("expired_unforwarded", unforwarded).put("expired_unrolled", unrolled)
        .put("batches", batches).put("bytes_reclaimed", reclaimedBytes)
        .put("database_bytes_before", sizeBeforeBytes).put("database_bytes_after", sizeAfterBytes)
        .put("records", records).put("oldest_event_time_ms", oldestEventTimeMs).put("free_pages", freePages)
        .put("over_disk_budget", budgetExceeded);
  }
}
