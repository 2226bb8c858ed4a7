package com.bitville.apm.listener.gelf;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.GraylogSettings;
import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.storage.api.OutboxStore;
import com.bitville.apm.listener.storage.api.OutboxStore.Failure;
import com.bitville.apm.listener.storage.api.OutboxStore.Page;
import com.bitville.apm.listener.storage.api.OutboxStore.PageRequest;
import com.bitville.apm.listener.support.ClusterSingleton;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards every stored record to Graylog, at least once, in id order, from a durable outbox: the cursor
 * (last confirmed id) lives in SQLite; records after it are read in pages from storage and written to one
 * long-lived connection. Live records only wake the pump (the stored event carries no payload), so live
 * traffic and backlog replay are the same ordered path. A page counts as confirmed after it was written and
 * the same connection stayed up for {@code confirmDelayMs}. GELF has no acknowledgement, so a confirmation is
 * only likely: records can still sit in socket buffers when the connection drops. The durable cursor
 * therefore trails the confirmations by {@code resendWindowMs}, and a lost connection (or a crash) sends the
 * records of that window again (duplicates, counted and de-duplicable by {@code _record_id}). Encoding runs
 * on a worker thread.
 */
public final class GelfForwarderVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(GelfForwarderVerticle.class);
  private static final String ACTIVE_LOCK = "bitville.gelf-forwarder.active";
  private static final long STANDBY_RETRY_MS = 5_000;
  private static final long BACKLOG_REFRESH_MS = 5_000;
  private static final long SETTLE_CHECK_MS = 1_000;

  private GraylogSettings settings;
  private OutboxStore outbox;
  private GelfMapper mapper;
  private GelfTransport transport;
  private CircuitBreaker breaker;
  private ForwarderMetrics metrics;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  /** Highest id confirmed on the current connection. */
  private long cursor;
  /** The durable cursor in the outbox: confirmations older than the resend window. */
  private long persisted;
  /** Highest id ever confirmed, for metrics and status. */
  private long confirmedMax;
  /** Confirmations not yet persisted, oldest first: {confirmed at (ms), id}. */
  private final ArrayDeque<long[]> unsettled = new ArrayDeque<>();
  /** Ids up to this one were confirmed before and are being sent again. */
  private long resendUpTo;
  private long sent;
  private long written;
  private long writtenGeneration;
  private long confirmTimer = -1;
  private int attempt;
  private boolean connecting;
  private boolean pumping;
  private Future<List<JsonObject>> prefetch;
  private long prefetchAfter;
  private boolean wanted;
  private boolean stopping;
  private String lastError;
  private ClusterSingleton singleton;

  @Override
  public Future<?> start() {
    settings = GraylogSettings.from(config());
    outbox = ServiceBus.client(vertx, OutboxStore.class, settings.storageTimeoutMs());
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(Component.GELF_FORWARDER.statusAddress(),
        msg -> msg.reply(status())));
    if (!settings.enabled()) {
      LOG.info("GELF forwarding is disabled (graylog.enabled=false); the forwarder idles");
      return Future.succeededFuture();
    }
    singleton = new ClusterSingleton(vertx, ACTIVE_LOCK, STANDBY_RETRY_MS, Component.GELF_FORWARDER,
        NodeSettings.from(config()).nodeName());
    return singleton.start(this::startForwarding);
  }

  /** On the one node of the cluster that forwards: two forwarders would send every record twice. */
  private Future<Void> startForwarding() {
    metrics = new ForwarderMetrics();
    mapper = new GelfMapper(settings.fullMessageMaxBytes(), settings.slowThresholdMs());
    transport = GraylogSettings.UDP.equals(settings.transport())
        ? new GelfUdpTransport(vertx, settings) : new GelfTcpTransport(vertx, settings);
    transport.brokenHandler(this::connectionLost);
    breaker = circuitBreaker();
    consumers.add(vertx.eventBus().consumer(Addresses.RECORDS_STORED, msg -> pump()));
    consumers.add(vertx.eventBus().localConsumer(Addresses.GELF_REPLAY, msg -> pump()));
    timers.add(vertx.setPeriodic(settings.replayIntervalMs(), id -> pump()));
    timers.add(vertx.setPeriodic(BACKLOG_REFRESH_MS, id -> refreshBacklog()));
    timers.add(vertx.setPeriodic(SETTLE_CHECK_MS, id -> persistSettled()));
    return loadCursor().onSuccess(v -> connect());
  }

  private CircuitBreaker circuitBreaker() {
    CircuitBreakerOptions options = new CircuitBreakerOptions().setMaxFailures(settings.circuitMaxFailures())
        .setTimeout(settings.connectTimeoutMs() + 1_000).setResetTimeout(settings.circuitResetMs())
        .setFallbackOnFailure(false).setNotificationPeriod(0);
    ForwarderMetrics.CIRCUIT.set(0);
    return CircuitBreaker.create("graylog", vertx, options)
        .openHandler(v -> circuit(2, "open: Graylog unreachable, connection attempts paused"))
        .halfOpenHandler(v -> circuit(1, "half-open: one probe connection"))
        .closeHandler(v -> circuit(0, "closed: Graylog reachable, replaying the backlog"));
  }

  private void circuit(long state, String message) {
    ForwarderMetrics.CIRCUIT.set(state);
    LOG.info("Graylog circuit {}", message);
  }

  private Future<Void> loadCursor() {
    return outbox.cursor().map(reply -> {
      cursor = reply.forwardedId();
      persisted = cursor;
      confirmedMax = cursor;
      sent = cursor;
      written = cursor;
      ForwarderMetrics.FORWARDED_ID.set(cursor);
      ForwarderMetrics.BACKLOG.set(reply.backlog());
      LOG.info("GELF outbox: forwarded up to id {}, backlog {} records, {} failed", cursor,
          reply.backlog(), reply.failed());
      return null;
    });
  }

  // --- connection: circuit breaker around each attempt, exponential backoff with jitter between them ---

  private void connect() {
    if (stopping || connecting || transport.isOpen()) {
      return;
    }
    connecting = true;
    breaker.<Void>execute(() -> transport.open()).onComplete(done -> {
      connecting = false;
      if (done.succeeded()) {
        metrics.reconnects.increment();
        ForwarderMetrics.CONNECTED.set(1);
        lastError = null;
        LOG.info("Connected to Graylog {}:{} ({}), replaying from id {}", settings.host(), settings.port(),
            settings.transport(), cursor);
        sent = cursor;
        pump();
      } else {
        lastError = String.valueOf(done.cause().getMessage());
        retryLater();
      }
    });
  }

  private void retryLater() {
    if (stopping) {
      return;
    }
    long ceiling = Math.min(settings.backoffMaxMs(), settings.backoffInitialMs() << Math.min(attempt, 20));
    attempt++;
    long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    vertx.setTimer(Math.max(1, delay), id -> connect());
  }

  private void connectionLost(Throwable cause) {
    ForwarderMetrics.CONNECTED.set(0);
    lastError = cause.getMessage();
    if (written > persisted || sent > persisted) {
      metrics.rewinds.increment();
    }
    LOG.warn("Graylog connection lost ({}); records after id {} will be sent again (the unconfirmed ones and those"
        + " confirmed within the last {} ms)", cause.getMessage(), persisted, settings.resendWindowMs());
    resendUpTo = Math.max(resendUpTo, cursor);
    unsettled.clear();
    cursor = persisted;
    sent = persisted;
    written = persisted;
    retryLater();
  }

  // --- the pump: pages after `sent`, in id order, one page at a time ---

  private void pump() {
    if (stopping || transport == null || !transport.isOpen()) {
      return;
    }
    if (pumping) {
      wanted = true;
      return;
    }
    pumping = true;
    wanted = false;
    long generation = transport.generation();
    readPage(sent)
        .compose(records -> vertx.executeBlocking(() -> encode(records), false))
        .compose(frames -> write(frames, generation))
        .onComplete(done -> {
          pumping = false;
          if (done.failed()) {
            lastError = String.valueOf(done.cause().getMessage());
            LOG.warn("GELF forwarding paused: {}", lastError);
            return;
          }
          if (done.result() || wanted) {
            continuePump();
          }
        });
  }

  /**
   * The page after {@code after}; when it is full, the read of the next one starts at once so that reading
   * overlaps encoding and writing (a prefetch is dropped if the connection rewound meanwhile).
   */
  private Future<List<JsonObject>> readPage(long after) {
    Future<List<JsonObject>> page = prefetch != null && prefetchAfter == after ? prefetch : fetch(after);
    prefetch = null;
    return page.onSuccess(records -> {
      if (records.size() >= settings.pageSize()) {
        prefetchAfter = records.get(records.size() - 1).getLong("id");
        prefetch = fetch(prefetchAfter);
      }
    });
  }

  private Future<List<JsonObject>> fetch(long after) {
    return outbox.page(new PageRequest(after, settings.pageSize())).map(Page::records);
  }

  private void continuePump() {
    if (transport.writeQueueFull()) {
      transport.drainHandler(v -> pump());
    } else {
      vertx.runOnContext(v -> pump());
    }
  }

  private record Frame(long id, byte[] json, String failure) {
  }

  private List<Frame> encode(List<JsonObject> records) {
    List<Frame> frames = new ArrayList<>(records.size());
    for (JsonObject record : records) {
      long id = record.getLong("id");
      try {
        frames.add(new Frame(id, mapper.encode(record), null));
      } catch (GelfMapper.UnsendableException | RuntimeException e) {
        frames.add(new Frame(id, null, String.valueOf(e.getMessage())));
      }
    }
    return frames;
  }

  /** Writes a page; true when it was full (more may follow). Stops at the first write failure. */
  private Future<Boolean> write(List<Frame> frames, long generation) {
    if (frames.isEmpty()) {
      return Future.succeededFuture(false);
    }
    if (generation != transport.generation() || !transport.isOpen()) {
      return Future.succeededFuture(false);
    }
    List<Future<?>> writes = new ArrayList<>(frames.size());
    for (Frame frame : frames) {
      writes.add(frame.failure() == null ? transport.send(frame.json()) : markFailed(frame));
      if (frame.id() <= resendUpTo) {
        metrics.resent.increment();
      }
    }
    long lastId = frames.get(frames.size() - 1).id();
    sent = lastId;
    return Future.all(writes).map(v -> {
      if (generation == transport.generation() && transport.isOpen()) {
        written(lastId, generation);
      }
      return frames.size() >= settings.pageSize();
    }).recover(e -> {
      if (generation == transport.generation()) {
        transport.disconnect();
        connectionLost(e);
      }
      return Future.failedFuture(e);
    });
  }

  private Future<?> markFailed(Frame frame) {
    metrics.failed.increment();
    LOG.warn("Record {} can never be sent to Graylog and is marked failed: {}", frame.id(), frame.failure());
    return outbox.fail(new Failure(frame.id(), frame.failure()));
  }

  // --- confirmation: the connection must stay up for confirmDelayMs after a page was written ---

  private void written(long lastId, long generation) {
    written = lastId;
    writtenGeneration = generation;
    if (confirmTimer == -1) {
      confirmTimer = vertx.setTimer(Math.max(1, settings.confirmDelayMs()), id -> confirm(lastId, generation));
    }
  }

  private void confirm(long id, long generation) {
    confirmTimer = -1;
    if (generation != transport.generation() || !transport.isOpen() || id <= cursor) {
      return;
    }
    advance(id);
    if (written > id && writtenGeneration == transport.generation()) {
      written(written, writtenGeneration);
    }
  }

  private void advance(long id) {
    markConfirmed(id);
    unsettled.addLast(new long[] {System.currentTimeMillis(), cursor});
    persistSettled();
  }

  private void markConfirmed(long id) {
    cursor = Math.max(cursor, id);
    attempt = 0;
    if (cursor > confirmedMax) {
      metrics.forwarded.increment(cursor - confirmedMax);
      confirmedMax = cursor;
      ForwarderMetrics.FORWARDED_ID.set(confirmedMax);
    }
  }

  /** Persists the newest confirmation that is older than the resend window. */
  private void persistSettled() {
    long settledBefore = System.currentTimeMillis() - settings.resendWindowMs();
    long settled = persisted;
    while (!unsettled.isEmpty() && unsettled.peekFirst()[0] <= settledBefore) {
      settled = Math.max(settled, unsettled.pollFirst()[1]);
    }
    persist(settled);
  }

  private Future<Void> persist(long id) {
    if (id <= persisted) {
      return Future.succeededFuture();
    }
    persisted = id;
    return outbox.advance(id)
        .onFailure(e -> LOG.warn("Could not persist the GELF cursor {} (records may be sent again): {}", id,
            e.getMessage()))
        .mapEmpty();
  }

  private void refreshBacklog() {
    outbox.cursor().onSuccess(reply -> ForwarderMetrics.BACKLOG.set(reply.backlog()));
  }

  // --- helpers ---

  private JsonObject status() {
    JsonObject status = new JsonObject().put("up", true).put("enabled", settings.enabled());
    if (!settings.enabled()) {
      return status;
    }
    if (!singleton.active()) {
      return status.put("role", singleton.role());
    }
    CircuitBreakerState state = breaker.state();
    return status.put("role", "active").put("target", settings.transport() + "://" + settings.host() + ":" + settings.port())
        .put("circuit", state.name().toLowerCase(java.util.Locale.ROOT)).put("connected", transport.isOpen())
        .put("forwarded_id", confirmedMax).put("durable_cursor", persisted).put("backlog", ForwarderMetrics.BACKLOG.get()).put("last_error", lastError);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    timers.forEach(vertx::cancelTimer);
    consumers.forEach(MessageConsumer::unregister);
    if (transport == null) {
      stopSingleton();
      return Future.succeededFuture();
    }
    if (transport.isOpen() && written > cursor && writtenGeneration == transport.generation()) {
      markConfirmed(written);
    }
    Future<Void> flushed = persist(cursor);
    return flushed.eventually(() -> transport.close()).eventually(() -> {
      breaker.close();
      ForwarderMetrics.CONNECTED.set(0);
      stopSingleton();
      return Future.succeededFuture();
    });
  }

  private void stopSingleton() {
    if (singleton != null) {
      singleton.stop();
    }
  }
}
