package com.bitville.apm.pgagent.deliver;

import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects envelopes in memory for at most {@code flush_interval_ms} (or until the count/size limit), then writes
 * them as one durable batch. Keeping the window short bounds what a crash can lose; SIGTERM flushes it.
 */
public final class Batcher {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Batcher.class);

  private final Vertx vertx;
  private final DiskQueue queue;
  private final int maxRecords;
  private final int maxBytes;
  private final boolean gzip;
  private final Runnable onQueued;
  private List<JsonObject> pending = new ArrayList<>();
  private int pendingBytes;
  private long timerId = -1;
  private Future<Void> lastWrite = Future.succeededFuture();

  public Batcher(Vertx vertx, DiskQueue queue, int maxRecords, int maxBytes, long flushIntervalMs, boolean gzip,
      Runnable onQueued) {
    this.vertx = vertx;
    this.queue = queue;
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
    this.gzip = gzip;
    this.onQueued = onQueued;
    this.timerId = vertx.setPeriodic(flushIntervalMs, id -> flush());
  }

  public void add(List<PgEnvelope> envelopes) {
    for (PgEnvelope envelope : envelopes) {
      JsonObject json = envelope.toJson();
      int size = json.encode().length();
      if (!pending.isEmpty() && pendingBytes + size > maxBytes) {
        flush();
      }
      pending.add(json);
      pendingBytes += size;
      if (pending.size() >= maxRecords) {
        flush();
      }
    }
  }

  /**
   * Writes what is pending to the disk queue; completes when it and every earlier batch are durable (writes run
   * in order on one worker queue, so the last write finishing means all have).
   */
  public Future<Void> flush() {
    if (pending.isEmpty()) {
      return lastWrite;
    }
    List<JsonObject> batch = pending;
    pending = new ArrayList<>();
    pendingBytes = 0;
    lastWrite = vertx.<Void>executeBlocking(() -> {
      queue.append(BatchEncoder.ndjson(batch, gzip), batch.size());
      return null;
    }).onSuccess(v -> onQueued.run())
        .onFailure(e -> LOG.error("could not write a batch of {} records to the delivery queue; they are lost",
            batch.size(), e));
    return lastWrite;
  }

  public Future<Void> stop() {
    vertx.cancelTimer(timerId);
    return flush();
  }
}
