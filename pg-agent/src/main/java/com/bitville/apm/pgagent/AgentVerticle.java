package com.bitville.apm.pgagent;

import com.bitville.apm.pgagent.collect.AgentStatusCollector;
import com.bitville.apm.pgagent.collect.Collector;
import com.bitville.apm.pgagent.collect.EnvelopeFactory;
import com.bitville.apm.pgagent.collect.LockCollector;
import com.bitville.apm.pgagent.collect.SampleLoop;
import com.bitville.apm.pgagent.collect.SessionCollector;
import com.bitville.apm.pgagent.collect.StatementCollector;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.pgagent.deliver.Batcher;
import com.bitville.apm.pgagent.deliver.DiskQueue;
import com.bitville.apm.pgagent.deliver.Shipper;
import com.bitville.apm.pgagent.host.HostMetricsCollector;
import com.bitville.apm.pgagent.logs.LogCollector;
import com.bitville.apm.pgagent.ops.HealthServer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the agent: collectors on their sample loops -> batcher -> durable disk queue -> shipper -> listener.
 * Stopping flushes the in-memory batch to disk and gives the shipper a bounded time to drain the queue.
 */
public final class AgentVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AgentVerticle.class);

  private final AgentConfig config;
  private final List<SampleLoop> loops = new ArrayList<>();
  private MonitorConnection db;
  private DiskQueue queue;
  private Shipper shipper;
  private Batcher batcher;
  private HealthServer health;
  private LogCollector logs;

  public AgentVerticle(AgentConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    AgentConfig.Delivery delivery = config.delivery();
    return vertx.executeBlocking(() -> new DiskQueue(delivery.queueDir(), delivery.queueMaxBytes()))
        .compose(opened -> {
          queue = opened;
          shipper = new Shipper(vertx, delivery, queue);
          batcher = new Batcher(vertx, queue, delivery.batchMaxRecords(), delivery.batchMaxBytes(),
              delivery.flushIntervalMs(), delivery.gzip(), shipper::wake);
          db = new MonitorConnection(vertx, config.database());
          collectors().forEach(c -> loops.add(new SampleLoop(vertx, c, batcher::add)));
          return startHealth();
        })
        .onSuccess(v -> {
          shipper.start();
          loops.forEach(SampleLoop::start);
          LOG.info("pg-agent started for project {} with collectors {}", config.project(),
              loops.stream().map(l -> l.collector().name()).toList());
        });
  }

  @Override
  public Future<?> stop() {
    loops.forEach(SampleLoop::stop);
    return Future.join(loops.stream().map(l -> l.collector().stop()).toList())
        .transform(v -> batcher == null ? Future.succeededFuture() : batcher.stop())
        .transform(v -> shipper == null ? Future.succeededFuture() : drainBriefly())
        .transform(v -> {
          if (shipper != null) {
            shipper.stop();
          }
          return Future.join(db == null ? Future.succeededFuture() : db.close(),
              health == null ? Future.succeededFuture() : health.stop());
        });
  }

  /** The state /health reports. */
  public JsonObject status() {
    JsonObject collectors = new JsonObject();
    loops.forEach(l -> collectors.put(l.collector().name(), new JsonObject()
        .put("samples", l.samples())
        .put("skipped_overlapping", l.skipped())
        .put("failures", l.failures())
        .put("interval_ms", l.collector().intervalMs())
        .put("last_sample_ms", l.lastSampleMs())));
    JsonArray problems = problems();
    String state = !db.isConnected() ? "database_unavailable" : problems.isEmpty() ? "ok" : "degraded";
    return new JsonObject()
        .put("status", state)
        .put("problems", problems)
        .put("project", config.project())
        .put("database", new JsonObject().put("connected", db.isConnected())
            .put("server_version_num", db.serverVersionNum()).put("connections_opened", db.openedCount())
            .put("last_error", db.lastError()))
        .put("collectors", collectors)
        .put("delivery", shipper.stats().toJson().put("breaker", shipper.breakerState())
            .put("queue_batches", queue.depth()).put("queue_bytes", queue.sizeBytes())
            .put("dropped_oldest_records", queue.droppedOldestRecords()));
  }

  private JsonArray problems() {
    JsonArray problems = new JsonArray();
    if (logs != null && logs.problem() != null) {
      problems.add("logs: " + logs.problem());
    }
    return problems;
  }

  private Future<Void> drainBriefly() {
    return shipper.drain()
        .timeout(config.delivery().shutdownDrainMs(), TimeUnit.MILLISECONDS)
        .onFailure(e -> LOG.info("stopping with {} batch(es) still queued on disk; they are sent at next start",
            queue.depth()))
        .otherwiseEmpty()
        .mapEmpty();
  }

  private Future<?> startHealth() {
    if (!config.health().enabled()) {
      return Future.succeededFuture();
    }
    health = new HealthServer(vertx, config.health().port(), this::status);
    return health.start();
  }

  private List<Collector> collectors() {
    EnvelopeFactory envelopes = new EnvelopeFactory(config.project(), config.hostName());
    List<Collector> collectors = new ArrayList<>();
    collectors.add(new AgentStatusCollector(db, envelopes, this::problems));
    if (config.sessions().enabled()) {
      collectors.add(new SessionCollector(db, config.sessions(), envelopes));
    }
    if (config.locks().enabled()) {
      collectors.add(new LockCollector(db, config.locks(), envelopes));
    }
    if (config.statements().enabled()) {
      collectors.add(new StatementCollector(db, config.statements(), envelopes));
    }
    logs = config.logs().enabled() ? new LogCollector(vertx, db, config.logs(), envelopes) : null;
    if (logs != null) {
      collectors.add(logs);
    }
    if (config.host().enabled()) {
      LogCollector tailer = logs;
      collectors.add(new HostMetricsCollector(vertx, config.host(), envelopes,
          () -> tailer == null ? List.of() : tailer.directories()));
    }
    return collectors;
  }
}
