package com.bitville.apm.listener.retention;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.GraylogSettings;
import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.RetentionSettings;
import com.bitville.apm.listener.storage.api.RetentionStore;
import com.bitville.apm.listener.storage.api.RetentionStore.Deleted;
import com.bitville.apm.listener.storage.api.RetentionStore.ExpiredBatch;
import com.bitville.apm.listener.storage.api.RetentionStore.FileStats;
import com.bitville.apm.listener.storage.api.RetentionStore.OldestBatch;
import com.bitville.apm.listener.storage.api.RetentionStore.VacuumStep;
import com.bitville.apm.listener.support.ClusterSingleton;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what the policy no longer keeps, gently: every step is one small storage operation on the writer
 * connection (see {@code RetentionOps}), with a pause between steps, so group commits of ingest interleave and
 * wait at most one batch. Then hands surplus free pages back with incremental vacuum and checkpoints the WAL.
 */
public final class RetentionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RetentionVerticle.class);
  private static final int MAX_VACUUM_STEPS = 100_000;
  private static final String ACTIVE_LOCK = "bitville.retention.active";
  private static final long STANDBY_RETRY_MS = 5_000;
  private static final long STORAGE_TIMEOUT_MS = 60_000;

  private RetentionSettings settings;
  private boolean countUnforwarded;
  private RetentionStore storage;
  private RetentionMetrics metrics;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Future<JsonObject> running;
  private ClusterSingleton singleton;
  private JsonObject lastRun;
  private String lastError;
  private long timerId = -1;
  private boolean stopping;

  @Override
  public Future<?> start() {
    settings = RetentionSettings.from(config());
    countUnforwarded = GraylogSettings.from(config()).enabled();
    storage = ServiceBus.client(vertx, RetentionStore.class, STORAGE_TIMEOUT_MS);
    metrics = new RetentionMetrics();
    var bus = vertx.eventBus();
    consumers.add(bus.<JsonObject>localConsumer(Component.RETENTION.statusAddress(),
        msg -> msg.reply(status())));
    consumers.add(bus.<JsonObject>localConsumer(Addresses.RETENTION_RUN, this::runOnRequest));
    singleton = new ClusterSingleton(vertx, ACTIVE_LOCK, STANDBY_RETRY_MS, Component.RETENTION,
        NodeSettings.from(config()).nodeName());
    return singleton.start(() -> {
      schedule(settings.initialDelayMs());
      return Future.succeededFuture();
    });
  }

  private void runOnRequest(Message<JsonObject> message) {
    if (!singleton.active()) {
      message.fail(409, "retention is active on another node of the cluster; ask that node");
      return;
    }
    runOnce().onSuccess(message::reply).onFailure(e -> message.fail(500, String.valueOf(e.getMessage())));
  }

  private void schedule(long delayMs) {
    if (!stopping) {
      timerId = vertx.setTimer(Math.max(1, delayMs), id -> runOnce().onComplete(v -> schedule(settings.intervalMs())));
    }
  }

  /** Runs the policy once; a request while a run is under way joins that run. */
  Future<JsonObject> runOnce() {
    if (running != null) {
      return running;
    }
    RetentionRun run = new RetentionRun();
    running = storage.fileStats().compose(stats -> {
          run.sizeBeforeBytes = stats.fileBytes();
          return expire(run);
        })
        .compose(v -> enforceBudget(run))
        .compose(v -> vacuum(run, settings.freePagesReserve()))
        .compose(v -> finish(run))
        .onComplete(done -> running = null)
        .onFailure(this::failed);
    return running;
  }

  // --- age policy ---

  private Future<Void> expire(RetentionRun run) {
    long now = System.currentTimeMillis();
    Map<String, Double> overrides = settings.projectDays();
    List<String> overridden = List.copyOf(overrides.keySet());
    Future<Void> chain = deleteLoop(() -> storage.deleteExpired(new ExpiredBatch(now - settings.defaultMaxAgeMs(),
        settings.batchSize(), null, overridden, countUnforwarded)), run, false);
    for (String project : overridden) {
      ExpiredBatch own = new ExpiredBatch(now - settings.maxAgeMs(project), settings.batchSize(), project, List.of(),
          countUnforwarded);
      chain = chain.compose(v -> deleteLoop(() -> storage.deleteExpired(own), run, false));
    }
    return chain;
  }

  private Future<Void> deleteLoop(Supplier<Future<Deleted>> batch, RetentionRun run, boolean forBudget) {
    return repeat(() -> {
      if (stopping || run.batches >= settings.maxBatchesPerRun()) {
        return Future.succeededFuture(false);
      }
      return batch.get().map(deleted -> {
        run.add(deleted, forBudget);
        metrics.rowsDeleted.increment(deleted.deleted());
        return !forBudget && deleted.deleted() >= settings.batchSize();
      });
    });
  }

  // --- disk budget: oldest first until the database file fits (the WAL is bounded by checkpoints instead) ---

  private Future<Void> enforceBudget(RetentionRun run) {
    if (settings.maxDatabaseBytes() <= 0) {
      return Future.succeededFuture();
    }
    return repeat(() -> storage.fileStats().map(FileStats::databaseBytes).compose(size -> {
      if (size <= settings.maxDatabaseBytes() || stopping || run.batches >= settings.maxBatchesPerRun()) {
        return Future.succeededFuture(false);
      }
      run.budgetExceeded = true;
      long before = run.deleted;
      return deleteLoop(() -> storage.deleteOldest(new OldestBatch(settings.batchSize(), countUnforwarded)), run,
          true)
          .compose(v -> vacuum(run, 0))
          .map(v -> run.deleted > before);
    }));
  }

  // --- free pages back to the file system, a step at a time, keeping a reserve for inserts ---

  private Future<Void> vacuum(RetentionRun run, long reserve) {
    int[] steps = {0};
    return repeat(() -> storage.fileStats().compose(stats -> {
      long surplus = stats.freePages() - reserve;
      if (surplus <= 0 || stopping || steps[0]++ >= MAX_VACUUM_STEPS) {
        return Future.succeededFuture(false);
      }
      int pages = (int) Math.min(surplus, settings.vacuumStepPages());
      return storage.vacuum(new VacuumStep(pages, false)).map(vacuumed -> {
        long freed = vacuumed.freedPages() * vacuumed.pageSize();
        run.reclaimedBytes += freed;
        metrics.bytesReclaimed.increment(freed);
        return vacuumed.freedPages() > 0;
      });
    })).compose(v -> storage.vacuum(new VacuumStep(0, true)).mapEmpty());
  }

  /**
   * Runs {@code step} until it yields false, pausing between steps; iterative (one promise, no nested
   * futures), so a run of thousands of batches cannot grow the stack.
   */
  private Future<Void> repeat(Supplier<Future<Boolean>> step) {
    Promise<Void> done = Promise.promise();
    iterate(step, done);
    return done.future();
  }

  private void iterate(Supplier<Future<Boolean>> step, Promise<Void> done) {
    Future<Boolean> next;
    try {
      next = step.get();
    } catch (RuntimeException e) {
      done.fail(e);
      return;
    }
    next.onComplete(result -> {
      if (result.failed()) {
        done.fail(result.cause());
      } else if (!result.result()) {
        done.complete();
      } else {
        pause().onComplete(v -> iterate(step, done));
      }
    });
  }

  private Future<JsonObject> finish(RetentionRun run) {
    return storage.fileStats().map(stats -> {
      run.sizeAfterBytes = stats.fileBytes();
      run.oldestEventTimeMs = stats.oldestEventTimeMs();
      run.records = stats.records();
      run.freePages = stats.freePages();
      long end = System.currentTimeMillis();
      JsonObject summary = run.toJson(end);
      lastRun = summary;
      lastError = null;
      publishMetrics(run, end);
      log(run, summary);
      return summary;
    });
  }

  private void publishMetrics(RetentionRun run, long end) {
    metrics.runsOk.increment();
    metrics.expiredUnforwarded.increment(run.unforwarded);
    metrics.expiredUnrolled.increment(run.unrolled);
    RetentionMetrics.LAST_RUN_END_MS.set(end);
    RetentionMetrics.LAST_RUN_DURATION_MS.set(end - run.startedMs);
    RetentionMetrics.OLDEST_EVENT_TIME_MS.set(run.oldestEventTimeMs == null ? 0 : run.oldestEventTimeMs);
    RetentionMetrics.DATABASE_BYTES.set(run.sizeAfterBytes);
    RetentionMetrics.FREE_PAGES.set(run.freePages);
  }

  private void log(RetentionRun run, JsonObject summary) {
    if (run.unforwarded > 0) {
      LOG.warn("Retention deleted {} records that had not been forwarded to Graylog yet (Graylog down longer than "
          + "the retention window?)", run.unforwarded);
    }
    if (run.unrolled > 0) {
      LOG.warn("Retention deleted {} records that the rollup had not reached yet: they are missing from the "
          + "rollups (rollup stopped or far behind?)", run.unrolled);
    }
    if (run.deleted > 0 || run.reclaimedBytes > 0) {
      LOG.info("Retention run: {}", summary.encode());
    }
  }

  private void failed(Throwable e) {
    metrics.runsFailed.increment();
    lastError = String.valueOf(e.getMessage());
    LOG.warn("Retention run failed (retried at the next interval): {}", lastError);
  }

  // --- helpers ---

  /** Always asynchronous (a fresh stack), even without a pause. */
  private Future<Void> pause() {
    Promise<Void> promise = Promise.promise();
    if (settings.pauseMs() == 0) {
      vertx.runOnContext(v -> promise.complete());
    } else {
      vertx.setTimer(settings.pauseMs(), id -> promise.complete());
    }
    return promise.future();
  }

  private JsonObject status() {
    return new JsonObject().put("up", true).put("role", singleton.role()).put("running", running != null)
        .put("policy_days", settings.days()).put("project_days", new JsonObject(new java.util.HashMap<>(
            settings.projectDays())))
        .put("max_database_bytes", settings.maxDatabaseBytes()).put("interval_ms", settings.intervalMs())
        .put("last_run", lastRun).put("last_error", lastError);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(timerId);
    consumers.forEach(MessageConsumer::unregister);
    Future<Object> finished = running == null ? Future.succeededFuture() : running.otherwiseEmpty().mapEmpty();
    return finished.onComplete(v -> singleton.stop());
  }
}
