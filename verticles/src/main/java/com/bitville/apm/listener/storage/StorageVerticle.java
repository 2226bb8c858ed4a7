package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.StorageSettings;
import com.bitville.apm.listener.storage.RecordWriter.Numbered;
import com.bitville.apm.listener.support.NodeMetrics;
import com.bitville.apm.shared.bus.Addresses;
import com.bitville.apm.shared.bus.StorageFailure;
import com.bitville.apm.shared.bus.StorageQuery;
import com.bitville.apm.shared.bus.StoreRequest;
import com.bitville.apm.shared.bus.StoredEvent;
import com.bitville.apm.shared.model.IngestRecord;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.MessageConsumerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the SQLite file, exactly one per cluster (a cluster-wide lock proves it). Group-commits writes,
 * serves the named reads of every {@link QueryModule}, and publishes a "stored" event after each commit.
 */
public final class StorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);
  private static final String OWNER_LOCK = "bitville.storage.owner";
  private static final long OWNER_LOCK_TIMEOUT_MS = 2_000;
  private static final int MAX_BUFFERED_MESSAGES = 10_000;
  private static final long WRITE_PROBE_INTERVAL_MS = 1_000;

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Map<String, QueryHandler> queries = new HashMap<>();
  private Lock ownerLock;
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
    return vertx.sharedData().getLockWithTimeout(OWNER_LOCK, OWNER_LOCK_TIMEOUT_MS)
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "another StorageVerticle already owns the database in this cluster; run exactly one")))
        .compose(lock -> openDatabase(lock, settings))
        .onSuccess(v -> registerConsumers())
        .onSuccess(v -> vertx.setPeriodic(WRITE_PROBE_INTERVAL_MS, id -> committer.probeIfFailing()))
        .onSuccess(v -> LOG.info("Storage ready: {} (synchronous={})", settings.dbPath(), settings.synchronous()));
  }

  private Future<Void> openDatabase(Lock lock, StorageSettings settings) {
    ownerLock = lock;
    database = Database.open(vertx, settings);
    RecordWriter writer = new RecordWriter(vertx, database, node, settings.deduplicatePhp());
    recordWriter = writer;
    return Schema.migrate(database.writer())
        .compose(version -> writer.open())
        .map(firstId -> {
          committer = new GroupCommitter(writer, firstId, settings.maxBatchRecords(), settings.maxQueuedRecords(),
              this::publishStored, NodeMetrics.registry());
          modules().forEach(module -> queries.putAll(module.handlers(database)));
          return null;
        });
  }

  /** Every group of storage operations; a new concern adds its module here. */
  private static List<QueryModule> modules() {
    return List.of(new RecordReads(), new RetentionOps(), new OutboxOps(), new RequestQueries(),
        new RouteStats(), new RollupOps());
  }

  private void registerConsumers() {
    var bus = vertx.eventBus();
    consumers.add(bus.<JsonObject>consumer(bounded(Addresses.STORAGE_WRITE), this::write));
    consumers.add(bus.<JsonObject>consumer(bounded(Addresses.STORAGE_QUERY), this::query));
    consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_PING, msg -> msg.reply(new JsonObject()
        .put("node", node).put("queued_records", committer.queuedRecords())
        .put("writes_failing", committer.writesFailing()))));
  }

  private static MessageConsumerOptions bounded(String address) {
    return new MessageConsumerOptions().setAddress(address).setMaxBufferedMessages(MAX_BUFFERED_MESSAGES);
  }

  private void write(Message<JsonObject> message) {
    List<IngestRecord> records;
    try {
      records = StoreRequest.fromJson(message.body()).records();
    } catch (RuntimeException e) {
      message.fail(StorageFailure.BAD_REQUEST.code(), "malformed store request");
      return;
    }
    committer.submit(records).onComplete(result -> {
      if (result.succeeded()) {
        message.reply(result.result().toJson());
      } else {
        replyFailure(message, result.cause());
      }
    });
  }

  private void query(Message<JsonObject> message) {
    StorageQuery query;
    try {
      query = StorageQuery.fromJson(message.body());
    } catch (RuntimeException e) {
      message.fail(StorageFailure.BAD_REQUEST.code(), "malformed storage query");
      return;
    }
    QueryHandler handler = queries.get(query.name());
    if (handler == null) {
      message.fail(StorageFailure.BAD_REQUEST.code(), "unknown storage query: " + query.name());
      return;
    }
    Future<JsonObject> result;
    try {
      result = handler.handle(query.params());
    } catch (IllegalArgumentException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(done -> {
      if (done.succeeded()) {
        message.reply(done.result());
      } else {
        replyFailure(message, done.cause());
      }
    });
  }

  private static void replyFailure(Message<?> message, Throwable cause) {
    if (cause instanceof StorageException storage) {
      message.fail(storage.failure().code(), storage.getMessage());
    } else if (cause instanceof IllegalArgumentException) {
      message.fail(StorageFailure.BAD_REQUEST.code(), cause.getMessage());
    } else {
      LOG.error("Storage operation failed", cause);
      message.fail(StorageFailure.UNAVAILABLE.code(), "storage operation failed");
    }
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
        .onComplete(v -> {
          if (ownerLock != null) {
            ownerLock.release();
          }
        });
  }
}
