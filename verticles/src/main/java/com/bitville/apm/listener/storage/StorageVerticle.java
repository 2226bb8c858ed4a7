package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.bus.ServiceError;
import com.bitville.apm.listener.config.ClusterSettings;
import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.StorageSettings;
import com.bitville.apm.listener.storage.RecordWriter.Numbered;
import com.bitville.apm.listener.storage.api.OutboxStore;
import com.bitville.apm.listener.storage.api.RecordStore;
import com.bitville.apm.listener.storage.api.RequestReads;
import com.bitville.apm.listener.storage.api.RetentionStore;
import com.bitville.apm.listener.storage.api.RollupStore;
import com.bitville.apm.listener.storage.api.RouteReads;
import com.bitville.apm.listener.support.NodeMetrics;
import com.bitville.apm.shared.bus.Addresses;
import com.bitville.apm.shared.bus.StorageFailure;
import com.bitville.apm.shared.bus.StoredEvent;
import com.bitville.apm.shared.model.IngestRecord;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the SQLite file, exactly one per cluster (a cluster-wide lock proves it) and one per file (an operating-system
 * lock on the file's {@code .owner} companion, {@link OwnerFile}). Serves the typed storage
 * services of {@code storage.api} (bound once, in {@link #bindServices}), group-commits writes, and publishes a
 * "stored" event after each commit.
 */
public final class StorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);
  private static final String OWNER_LOCK = "bitville.storage.owner";
  /** Beyond the failure detection: a storage node restarted right after a crash waits for the dead one to go. */
  private static final long OWNER_LOCK_MARGIN_MS = 5_000;
  private static final int MAX_BUFFERED_MESSAGES = 10_000;
  private static final long WRITE_PROBE_INTERVAL_MS = 1_000;

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Lock ownerLock;
  private OwnerFile ownerFile;
  private Database database;
  private RecordWriter recordWriter;
  private GroupCommitter committer;
  private String node;
  private Counter storedRecords;

  @Override
  public Future<?> start() {
    StorageSettings settings = StorageSettings.from(config(), NodeSettings.from(config()));
    node = NodeSettings.from(config()).nodeName();
    storedRecords = Counter.builder("bitville_storage_records_stored_total")
        .description("Records committed to SQLite").register(NodeMetrics.registry());
    long lockWaitMs = ClusterSettings.from(config()).failureDetectionSeconds() * 1_000L + OWNER_LOCK_MARGIN_MS;
    return vertx.sharedData().getLockWithTimeout(OWNER_LOCK, lockWaitMs)
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "another StorageVerticle already owns the database in this cluster (waited " + lockWaitMs / 1000
                + " s for it to go); run exactly one")))
        .compose(lock -> {
          ownerLock = lock;
          return vertx.executeBlocking(() -> OwnerFile.acquire(settings.dbPath()), false);
        })
        .compose(file -> {
          ownerFile = file;
          return openDatabase(settings);
        })
        .onSuccess(v -> bindServices(settings))
        .onSuccess(v -> vertx.setPeriodic(WRITE_PROBE_INTERVAL_MS, id -> committer.probeIfFailing()))
        .onFailure(e -> releaseOwnership())
        .onSuccess(v -> LOG.info("Storage ready: {} (synchronous={})", settings.dbPath(), settings.synchronous()));
  }

  private Future<Void> openDatabase(StorageSettings settings) {
    database = Database.open(vertx, settings);
    RecordWriter writer = new RecordWriter(vertx, database, node, settings.deduplicatePhp());
    recordWriter = writer;
    return Schema.migrate(database.writer())
        .compose(version -> writer.open())
        .map(firstId -> {
          committer = new GroupCommitter(writer, firstId, settings.maxBatchRecords(), settings.maxQueuedRecords(),
              this::publishStored, NodeMetrics.registry());
          return null;
        });
  }

  /** Every storage service and its implementation; a new service is bound here and nowhere else. */
  private void bindServices(StorageSettings settings) {
    bind(RecordStore.class, new RecordWrites(committer, node));
    bind(RetentionStore.class, new RetentionOps(vertx, database, settings.dbPath()));
    bind(OutboxStore.class, new OutboxOps(database));
    bind(RequestReads.class, new RequestQueries(database));
    bind(RouteReads.class, new RouteStats(database));
    bind(RollupStore.class, new RollupOps(database, recordWriter));
  }

  private <S> void bind(Class<S> service, S implementation) {
    consumers.add(ServiceBus.bind(vertx, service, implementation, MAX_BUFFERED_MESSAGES, StorageVerticle::errorOf));
  }

  /** The one mapping of a storage operation's failure to its reply; callers read it with StorageError.of. */
  private static ServiceError errorOf(Throwable cause) {
    if (cause instanceof StorageException storage) {
      return new ServiceError(storage.failure().code(), storage.getMessage());
    }
    if (cause instanceof IllegalArgumentException) {
      return new ServiceError(StorageFailure.BAD_REQUEST.code(), cause.getMessage());
    }
    LOG.error("Storage operation failed", cause);
    return new ServiceError(StorageFailure.UNAVAILABLE.code(), "storage operation failed");
  }

  private void publishStored(List<Numbered> batch) {
    if (batch.isEmpty()) {
      return;
    }
    storedRecords.increment(batch.size());
    List<JsonObject> summaries = new ArrayList<>(batch.size());
    for (Numbered numbered : batch) {
      summaries.add(summaryOf(numbered));
    }
    vertx.eventBus().publish(Addresses.RECORDS_STORED, new StoredEvent(node, summaries).toJson());
  }

  private static JsonObject summaryOf(Numbered numbered) {
    IngestRecord r = numbered.record();
    return new JsonObject().put("id", numbered.id()).put("project", r.project()).put("kind", r.kind().wireName())
        .put("source", r.source()).put("correlation_id", r.correlationId()).put("event_time_ms", r.eventTimeMs())
        .put("duration_ms", r.durationMs()).put("route", r.route()).put("method", r.method())
        .put("status", r.status()).put("host", r.host()).put("sql_count", r.sqlCount()).put("fatal", r.fatal())
        .put("summary", r.summary());
  }

  @Override
  public Future<?> stop() {
    consumers.forEach(MessageConsumer::unregister);
    Future<Void> drained = committer == null ? Future.succeededFuture() : committer.drain();
    return drained
        .compose(v -> recordWriter == null ? Future.succeededFuture() : recordWriter.close())
        .compose(v -> database == null ? Future.succeededFuture() : database.close())
        .onComplete(v -> releaseOwnership());
  }

  private void releaseOwnership() {
    if (ownerFile != null) {
      ownerFile.release();
      ownerFile = null;
    }
    if (ownerLock != null) {
      ownerLock.release();
      ownerLock = null;
    }
  }
}
