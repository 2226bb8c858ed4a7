package com.bitville.apm.pgagent.deliver;

import io.vertx.core.json.JsonObject;

/** Counters shown on /health and in logs; touched only from the agent's event-loop context. */
public final class DeliveryStats {

  long sentBatches;
  long sentRecords;
  long droppedPermanentBatches;
  long droppedPermanentRecords;
  long retries;
  int lastStatus;
  String lastError = "";

  public long sentRecords() {
    return sentRecords;
  }

  public long droppedPermanentRecords() {
    return droppedPermanentRecords;
  }

  public long retries() {
    return retries;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("sent_batches", sentBatches)
        .put("sent_records", sentRecords)
        .put("dropped_permanent_batches", droppedPermanentBatches)
        .put("dropped_permanent_records", droppedPermanentRecords)
        .put("retries", retries)
        .put("last_status", lastStatus)
        .put("last_error", lastError);
  }
}
