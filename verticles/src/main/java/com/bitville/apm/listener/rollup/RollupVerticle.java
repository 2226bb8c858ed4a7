package com.bitville.apm.listener.rollup;

import com.bitville.apm.listener.analysis.RecordRollup;
import com.bitville.apm.listener.analysis.RecordRollup.StoredRecord;
import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.RollupSettings;
import com.bitville.apm.listener.storage.api.RollupStore;
import com.bitville.apm.listener.storage.api.RollupStore.PageRequest;
import com.bitville.apm.listener.storage.api.RollupStore.RollupWrite;
import com.bitville.apm.listener.support.ClusterSingleton;
import com.bitville.apm.shared.bus.Addresses;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.php.PhpSparseReader;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the per-minute rollups off the acknowledgement path: follows the stored records in id order from a
 * durable cursor (like the GELF outbox), decodes a page of payloads on a worker thread, merges it into one
 * {@link RollupBatch} and hands it to storage, which adds it and moves the cursor in the same transaction (so a
 * page is counted once even if this node stops half-way). One node of a cluster is active; any node may run it,
 * so the decoding CPU can live away from the storage node. Also expires rollups older than
 * {@code rollup.retention.days}.
 */
public final class RollupVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RollupVerticle.class);
  private static final String ACTIVE_LOCK = "bitville.rollup.active";
  private static final long STANDBY_RETRY_MS = 5_000;
  private static final long DAY_MS = 86_400_000L;

  private RollupSettings settings;
  private RollupStore rollups;
  private ClusterSingleton singleton;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private long cursor = -1;
  private long caughtUpReceivedMs;
  private long rolledRecords;
  private boolean running;
  private boolean loading;
  private boolean wanted;
  private boolean storedDuringPage;
  private boolean stopping;
  private long pausedUntilMs;
  private long catchUpPauses;
  private long catchUpPausedMs;
  private String lastError;

  @Override
  public Future<?> start() {
    settings = RollupSettings.from(config());
    rollups = ServiceBus.client(vertx, RollupStore.class, settings.storageTimeoutMs());
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(Component.ROLLUP.statusAddress(),
        msg -> msg.reply(status())));
    if (!settings.enabled()) {
      LOG.info("Rollups are disabled (rollup.enabled=false)");
      return Future.succeededFuture();
    }
    singleton = new ClusterSingleton(vertx, ACTIVE_LOCK, STANDBY_RETRY_MS, Component.ROLLUP,
        NodeSettings.from(config()).nodeName());
    return singleton.start(this::startRolling);
  }

  /** Never fails for want of storage (a node may start before the storage node): the cursor loads when it can. */
  private Future<Void> startRolling() {
    consumers.add(vertx.eventBus().consumer(Addresses.RECORDS_STORED, msg -> {
      storedDuringPage |= running;
      pump();
    }));
    timers.add(vertx.setPeriodic(settings.idleMs(), id -> pump()));
    timers.add(vertx.setPeriodic(settings.expireIntervalMs(), id -> expire()));
    pump();
    return Future.succeededFuture();
  }

  private void loadCursor() {
    loading = true;
    rollups.cursor().onComplete(done -> {
      loading = false;
      if (done.failed()) {
        lastError = "cannot read the rollup cursor: " + done.cause().getMessage();
        return;
      }
      boolean first = cursor < 0;
      cursor = done.result().getLong("rolled_id");
      caughtUpReceivedMs = done.result().getLong("caught_up_received_ms");
      lastError = null;
      if (first) {
        LOG.info("Rollups: rolled up to record {}", cursor);
        expire();
      }
      pump();
    });
  }

  /** One page at a time; a wake-up during a page runs the next page right after it. */
  private void pump() {
    if (stopping || loading) {
      return;
    }
    if (System.currentTimeMillis() < pausedUntilMs) {
      // the pause's timer calls again; stored-record wake-ups must not cut the pause short
      return;
    }
    if (cursor < 0) {
      loadCursor();
      return;
    }
    if (running) {
      wanted = true;
      return;
    }
    running = true;
    wanted = false;
    storedDuringPage = false;
    long after = cursor;
    long started = System.nanoTime();
    rollups.page(new PageRequest(after, settings.pageRecords(), settings.pageBytes()))
        .compose(reply -> {
          JsonArray records = reply.getJsonArray("records");
          if (records.isEmpty()) {
            return Future.succeededFuture(false);
          }
          long oldest = System.currentTimeMillis() - settings.retentionDays() * DAY_MS;
          return vertx.executeBlocking(() -> aggregate(records, oldest), false)
              .compose(batch -> rollups.write(new RollupWrite(after, batch.toJson())).map(written -> {
                    cursor = written.getLong("rolled_id");
                    if (written.getBoolean("applied")) {
                      rolledRecords += records.size();
                      caughtUpReceivedMs = Math.max(caughtUpReceivedMs, batch.lastReceivedMs());
                    }
                    // a full page (by count or by bytes) means more are waiting: go on at once
                    return true;
                  }));
        })
        .onComplete(done -> {
          running = false;
          if (done.failed()) {
            lastError = String.valueOf(done.cause().getMessage());
            LOG.warn("Rollup page after record {} failed; retrying: {}", after, lastError);
            cursor = -1;
          } else {
            lastError = null;
            if (done.result() && storedDuringPage) {
              catchUpPause(System.nanoTime() - started);
            } else if (done.result() || wanted) {
              vertx.runOnContext(v -> pump());
            }
          }
        });
  }

  /**
   * After a page during which agents stored more records, pauses so that the rollup takes at most
   * {@code rollup.catchUpShare} of the time while ingest is busy: under a burst the agents' acknowledgements keep
   * the cores and the rollup follows later. Once nothing new arrives during a page, it goes on without pauses.
   */
  private void catchUpPause(long pageNanos) {
    double share = settings.catchUpShare();
    long pauseMs = share >= 1 ? 0 : Math.round(pageNanos / 1e6 * (1 / share - 1));
    if (pauseMs < 1) {
      vertx.runOnContext(v -> pump());
    } else {
      pausedUntilMs = System.currentTimeMillis() + pauseMs;
      catchUpPauses++;
      catchUpPausedMs += pauseMs;
      vertx.setTimer(pauseMs, id -> pump());
    }
  }

  /**
   * CPU work (inflate, parse, profile each payload): runs on a worker thread. Records whose event time is already
   * past the rollup retention ({@code oldestMs}) are passed over: their rows would only be deleted again.
   */
  static RollupBatch aggregate(JsonArray records, long oldestMs) {
    RollupBatch batch = new RollupBatch();
    for (Object item : records) {
      JsonObject row = (JsonObject) item;
      if (row.getLong("event_time_ms") < oldestMs) {
        batch.through(row.getLong("id"), row.getLong("received_at_ms"));
        continue;
      }
      StoredRecord record = new StoredRecord(row.getLong("id"), row.getString("project"), row.getString("kind"),
          row.getString("source"), row.getLong("event_time_ms"), row.getLong("received_at_ms"),
          decimal(row.getString("duration_ms_text")), row.getString("route"), row.getString("host"),
          decimal(row.getString("sql_time_ms_text")), Integer.valueOf(1).equals(row.getInteger("fatal")));
      RecordRollup.add(batch, record, payload(row, record.kind()));
    }
    return batch;
  }

  /** A PHP payload is read only as far as its profile needs (its statements' stacks are most of its bytes). */
  private static JsonObject payload(JsonObject row, String kind) {
    byte[] bytes = row.getBinary("payload");
    if (bytes == null) {
      return null;
    }
    try {
      byte[] json = PayloadCodec.decompressToBytes(bytes);
      return "php".equals(kind) ? PhpSparseReader.readProfile(json) : new JsonObject(Buffer.buffer(json));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Double decimal(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Double.valueOf(text);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private void expire() {
    long before = System.currentTimeMillis() - settings.retentionDays() * DAY_MS;
    rollups.expire(before)
        .onSuccess(reply -> {
          if (reply.getLong("deleted") > 0) {
            LOG.info("Rollup retention: deleted {} rows older than {} days", reply.getLong("deleted"),
                settings.retentionDays());
          }
        })
        .onFailure(e -> LOG.warn("Rollup retention failed; will retry: {}", e.getMessage()));
  }

  private JsonObject status() {
    // a lagging rollup must not take the node out of service for agents: its trouble is reported, not "down"
    return new JsonObject().put("up", true).put("enabled", settings.enabled())
        .put("role", singleton == null ? "disabled" : singleton.role()).put("rolled_id", cursor)
        .put("rolled_records", rolledRecords).put("caught_up_received_ms", caughtUpReceivedMs)
        .put("catch_up_pauses", catchUpPauses).put("catch_up_paused_ms", catchUpPausedMs)
        .put("last_error", lastError);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    timers.forEach(vertx::cancelTimer);
    consumers.forEach(MessageConsumer::unregister);
    if (singleton != null) {
      singleton.stop();
    }
    return Future.succeededFuture();
  }
}
