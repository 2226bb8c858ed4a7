package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.storage.RecordWriter.Numbered;
import com.bitville.apm.shared.bus.StorageFailure;
import com.bitville.apm.listener.storage.api.RecordStore.StoreReply;
import com.bitville.apm.shared.model.IngestRecord;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Group commit: requests queue while a transaction runs; when it ends, everything queued (up to a batch
 * bound) commits in the next one. Idle, a request commits at once; under load batches grow by themselves,
 * so latency stays bounded by one commit plus the queue. The queue is bounded: beyond it, BUSY.
 * Runs on the storage verticle's event loop only; no locking needed.
 */
final class GroupCommitter {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GroupCommitter.class);

  private record Pending(List<IngestRecord> records, Promise<StoreReply> promise) {
  }

  private final RecordWriter writer;
  private final int maxBatchRecords;
  private final int maxQueuedRecords;
  private final Consumer<List<Numbered>> onCommitted;
  private final Deque<Pending> queue = new ArrayDeque<>();
  private final DistributionSummary batchSizes;
  private final Timer commitLatency;
  private int queuedRecords;
  private boolean committing;
  private boolean writesFailing;
  private long nextId;
  private Promise<Void> drained;

  GroupCommitter(RecordWriter writer, long firstId, int maxBatchRecords, int maxQueuedRecords,
      Consumer<List<Numbered>> onCommitted, MeterRegistry metrics) {
    this.writer = writer;
    this.nextId = firstId;
    this.maxBatchRecords = maxBatchRecords;
    this.maxQueuedRecords = maxQueuedRecords;
    this.onCommitted = onCommitted;
    this.batchSizes = DistributionSummary.builder("bitville_storage_batch_records")
        .description("Records per committed transaction").publishPercentiles(0.5, 0.99).register(metrics);
    this.commitLatency = Timer.builder("bitville_storage_commit_seconds")
        .description("Time to commit one group of records").publishPercentiles(0.5, 0.99).register(metrics);
    metrics.gauge("bitville_storage_queue_records", this, c -> c.queuedRecords);
  }

  Future<StoreReply> submit(List<IngestRecord> records) {
    if (drained != null) {
      return Future.failedFuture(new StorageException(StorageFailure.SHUTTING_DOWN, "storage is shutting down"));
    }
    if (queuedRecords + records.size() > maxQueuedRecords) {
      return Future.failedFuture(new StorageException(StorageFailure.BUSY, "storage queue is full"));
    }
    Promise<StoreReply> promise = Promise.promise();
    queue.add(new Pending(records, promise));
    queuedRecords += records.size();
    commitNext();
    return promise.future();
  }

  int queuedRecords() {
    return queuedRecords;
  }

  /** True from a failed commit until a commit (or a {@link #probeIfFailing() probe}) succeeds again. */
  boolean writesFailing() {
    return writesFailing;
  }

  /**
   * While writes fail and no agent is sending, tries a minimal transaction, so that the node reports itself
   * ready again as soon as the cause (a full disk) is gone. Never runs beside a commit.
   */
  void probeIfFailing() {
    if (!writesFailing || committing || drained != null) {
      return;
    }
    committing = true;
    writer.probe(nextId).onComplete(result -> {
      committing = false;
      if (result.succeeded()) {
        recovered();
      }
      commitNext();
    });
  }

  /** Stops taking work and completes when everything already queued is committed (or failed). */
  Future<Void> drain() {
    if (drained == null) {
      drained = Promise.promise();
      completeDrainIfIdle();
    }
    return drained.future();
  }

  private void commitNext() {
    if (committing || queue.isEmpty()) {
      completeDrainIfIdle();
      return;
    }
    committing = true;
    List<Pending> group = takeGroup();
    List<Numbered> batch = number(group);
    long started = System.nanoTime();
    writer.write(batch, nextId).onComplete(result -> {
      commitLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      committing = false;
      finish(group, batch, result.result(), result.cause());
      commitNext();
    });
  }

  private List<Pending> takeGroup() {
    List<Pending> group = new ArrayList<>();
    int size = 0;
    while (!queue.isEmpty() && (group.isEmpty() || size + queue.peek().records().size() <= maxBatchRecords)) {
      Pending pending = queue.poll();
      size += pending.records().size();
      group.add(pending);
    }
    queuedRecords -= size;
    return group;
  }

  private List<Numbered> number(List<Pending> group) {
    List<Numbered> batch = new ArrayList<>();
    for (Pending pending : group) {
      for (IngestRecord record : pending.records()) {
        batch.add(new Numbered(nextId++, record));
      }
    }
    return batch;
  }

  private void finish(List<Pending> group, List<Numbered> batch, RecordWriter.Written written, Throwable failure) {
    if (failure != null) {
      writesFailing = true;
      LOG.error("Commit of {} records failed and was rolled back", batch.size(), failure);
      StorageException error = new StorageException(StorageFailure.UNAVAILABLE, "commit failed: " + failure.getMessage());
      group.forEach(p -> p.promise().fail(error));
      return;
    }
    recovered();
    batchSizes.record(batch.size());
    int offset = 0;
    for (Pending pending : group) {
      List<Long> ids = new ArrayList<>(pending.records().size());
      List<Boolean> duplicates = new ArrayList<>(pending.records().size());
      for (int i = 0; i < pending.records().size(); i++, offset++) {
        boolean duplicate = written.isDuplicate(offset);
        ids.add(duplicate ? written.existingIds().get(offset) : batch.get(offset).id());
        duplicates.add(duplicate);
      }
      pending.promise().complete(new StoreReply(ids, duplicates));
    }
    List<Numbered> stored = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      if (!written.isDuplicate(i)) {
        stored.add(batch.get(i));
      }
    }
    onCommitted.accept(stored);
  }

  private void recovered() {
    if (writesFailing) {
      writesFailing = false;
      LOG.info("Writes succeed again");
    }
  }

  private void completeDrainIfIdle() {
    if (drained != null && !committing && queue.isEmpty()) {
      drained.tryComplete();
    }
  }
}
