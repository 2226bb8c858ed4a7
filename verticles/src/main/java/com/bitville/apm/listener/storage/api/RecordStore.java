package com.bitville.apm.listener.storage.api;

import com.bitville.apm.listener.bus.ServiceAddress;
import com.bitville.apm.shared.model.IngestRecord;
import io.vertx.core.Future;
import java.util.Collections;
import java.util.List;

/**
 * Committing records: the ingest path (HTTP and UDP). A request commits together with whatever else is queued
 * at that moment (group commit) and is answered only after the commit; failures carry a
 * {@code StorageFailure} code, read by callers with {@link StorageError#of}.
 */
@ServiceAddress("bitville.storage.records.v1")
public interface RecordStore {

  /** The ids of the request's records in request order, all committed. */
  Future<StoreReply> store(StoreRequest request);

  /** Liveness of the storage owner and its write queue (used by /ready). */
  Future<Status> status();

  /** Records to commit together with the others queued at that moment. */
  record StoreRequest(List<IngestRecord> records) {
  }

  /**
   * The row ids, in the order of the request's records, all committed. {@code duplicates} (same order) is true
   * where the record was already stored (a PHP request with the same project and correlation id): its id is the
   * stored record's, and nothing was written for it.
   */
  record StoreReply(List<Long> ids, List<Boolean> duplicates) {

    public StoreReply {
      if (duplicates.size() != ids.size()) {
        throw new IllegalArgumentException("one duplicate flag per id");
      }
    }

    /** A reply where every record was new. */
    public StoreReply(List<Long> ids) {
      this(ids, Collections.nCopies(ids.size(), Boolean.FALSE));
    }

    public int duplicateCount() {
      return (int) duplicates.stream().filter(Boolean::booleanValue).count();
    }
  }

  /** @param writesFailing the last commit failed (disk full, I/O error) and storage is probing until one succeeds */
  record Status(String node, int queuedRecords, boolean writesFailing) {
  }
}
