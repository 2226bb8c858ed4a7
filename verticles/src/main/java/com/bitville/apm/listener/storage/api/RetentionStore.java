package com.bitville.apm.listener.storage.api;

import com.bitville.apm.listener.bus.ServiceAddress;
import io.vertx.core.Future;
import java.util.List;

/**
 * Retention's storage operations. Every delete is one short transaction on the single writer, so ingest waits
 * at most one small batch behind it. Served by the StorageVerticle; the file sizes are measured where the file
 * is, so the disk budget holds whichever node runs retention.
 */
@ServiceAddress("bitville.storage.retention.v1")
public interface RetentionStore {

  int MAX_BATCH = 5_000;
  int MAX_VACUUM_PAGES = 100_000;

  /** Deletes up to {@code limit} records older than {@code beforeMs}, oldest first, with their links. */
  Future<Deleted> deleteExpired(ExpiredBatch batch);

  /** Deletes the oldest {@code limit} records regardless of age (the disk budget). */
  Future<Deleted> deleteOldest(OldestBatch batch);

  /** {@code PRAGMA incremental_vacuum(pages)} (0: none), then a passive WAL checkpoint when asked. */
  Future<Vacuumed> vacuum(VacuumStep step);

  Future<FileStats> fileStats();

  /**
   * @param project only this project's records, or null for every project not in {@code excludedProjects}
   * @param countUnforwarded also count the deleted records the GELF cursor had not passed yet
   */
  record ExpiredBatch(long beforeMs, int limit, String project, List<String> excludedProjects,
      boolean countUnforwarded) {
  }

  record OldestBatch(int limit, boolean countUnforwarded) {
  }

  /**
   * @param unrolled deleted records the rollup cursor had not passed although it has started (they never reach
   *     the rollups)
   * @param oldestDeletedMs event time of the oldest deleted record, null when none was deleted
   */
  record Deleted(long deleted, long unforwarded, long unrolled, Long oldestDeletedMs) {
  }

  record VacuumStep(int pages, boolean checkpoint) {
  }

  record Vacuumed(long freedPages, long freePagesLeft, long pageSize, long pageCount) {
  }

  /**
   * @param databaseBytes size of the database file on the storage node's disk (what the disk budget bounds)
   * @param walBytes size of its write-ahead log there (bounded by checkpoints instead)
   */
  record FileStats(long pageSize, long pageCount, long freePages, long records, Long oldestEventTimeMs,
      long databaseBytes, long walBytes) {

    public long fileBytes() {
      return databaseBytes + walBytes;
    }
  }
}
