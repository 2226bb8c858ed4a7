package com.bitville.apm.listener.udp;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.IngestSettings;
import com.bitville.apm.listener.config.ProjectSettings;
import com.bitville.apm.listener.config.RedactionSettings;
import com.bitville.apm.listener.config.UdpSettings;
import com.bitville.apm.listener.pipeline.EventTimeWindow;
import com.bitville.apm.listener.pipeline.IngestPipeline;
import com.bitville.apm.listener.pipeline.IngestPipeline.Outcome;
import com.bitville.apm.listener.storage.api.RecordStore.StoreRequest;
import com.bitville.apm.listener.storage.api.RecordStore;
import com.bitville.apm.listener.storage.api.StorageError;
import com.bitville.apm.listener.support.NodeMetrics;
import com.bitville.apm.shared.bus.Addresses;
import com.bitville.apm.shared.normalize.BodyParser;
import com.bitville.apm.shared.normalize.InvalidPayloadException;
import com.bitville.apm.shared.udp.SignedDatagram.MalformedException;
import com.bitville.apm.shared.udp.SignedDatagram.Parsed;
import com.bitville.apm.shared.udp.SignedDatagram;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP ingest (wire protocol section 4): signed datagrams ({@link SignedDatagram}), or raw JSON for projects
 * with {@code udpUnsigned}. Fire-and-forget for the sender, so every drop is counted by reason. The work per
 * datagram is bounded (size cap, one parse) and store requests in flight are capped: a flood costs CPU and
 * kernel-buffer drops, never listener memory.
 */
public final class UdpIngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(UdpIngestVerticle.class);
  private static final long DROP_LOG_INTERVAL_MS = 60_000;
  /** Signatures remembered against replays: 32 bytes plus map overhead each, about 20 MB at most. */
  private static final int REPLAY_MEMORY_ENTRIES = 200_000;

  private UdpSettings settings;
  private RecordStore recordStore;
  private Map<String, ProjectSettings> projects;
  private IngestPipeline pipeline;
  private DatagramSocket socket;
  private MessageConsumer<JsonObject> status;
  private final Map<UdpDrop, Counter> drops = new EnumMap<>(UdpDrop.class);
  private Counter received;
  private Counter stored;
  private ReplayGuard replays;
  private int inFlight;
  private long lastDropLogMs;

  @Override
  public Future<?> start() {
    settings = UdpSettings.from(config());
    recordStore = ServiceBus.client(vertx, RecordStore.class, settings.storageTimeoutMs());
    projects = ProjectSettings.from(config());
    replays = new ReplayGuard(settings.clockWindowSeconds() * 1000L, REPLAY_MEMORY_ENTRIES);
    pipeline = new IngestPipeline(settings.maxDepth(), 1, RedactionSettings.from(config()).redactor(),
        EventTimeWindow.of(IngestSettings.from(config())));
    registerMetrics();
    socket = vertx.createDatagramSocket(new DatagramSocketOptions().setReceiveBufferSize(settings.receiveBufferBytes()));
    socket.handler(this::onDatagram);
    status = vertx.eventBus().localConsumer(Component.UDP_INGEST.statusAddress(),
        msg -> msg.reply(statusJson()));
    return socket.listen(settings.port(), settings.host())
        .onSuccess(s -> LOG.info("UDP ingest listening on {}:{}", settings.host(), s.localAddress().port()));
  }

  private void registerMetrics() {
    var registry = NodeMetrics.registry();
    for (UdpDrop reason : UdpDrop.values()) {
      drops.put(reason, Counter.builder("bitville_udp_dropped_total").description("UDP datagrams dropped, by reason")
          .tag("reason", reason.label()).register(registry));
    }
    received = Counter.builder("bitville_udp_datagrams_total").description("UDP datagrams received")
        .register(registry);
    stored = Counter.builder("bitville_udp_records_stored_total").description("Records stored from UDP datagrams")
        .register(registry);
  }

  /** The port actually bound (differs from the configured one when that was 0). */
  public int actualPort() {
    return socket.localAddress().port();
  }

  // --- per datagram: cheapest checks first ---

  private void onDatagram(DatagramPacket packet) {
    received.increment();
    try {
      if (packet.data().length() > settings.maxDatagramBytes()) {
        drop(UdpDrop.OVERSIZE, packet);
        return;
      }
      byte[] bytes = packet.data().getBytes();
      if (SignedDatagram.isSigned(bytes)) {
        signed(bytes, packet);
      } else {
        unsigned(bytes, packet);
      }
    } catch (RuntimeException e) {
      LOG.warn("Unexpected failure on a UDP datagram: {}", e.toString());
      drop(UdpDrop.MALFORMED, packet);
    }
  }

  private void signed(byte[] bytes, DatagramPacket packet) {
    Parsed parsed;
    try {
      parsed = SignedDatagram.parse(bytes);
    } catch (MalformedException e) {
      drop(UdpDrop.MALFORMED, packet);
      return;
    }
    ProjectSettings project = projects.get(parsed.project().toLowerCase(Locale.ROOT));
    if (project == null) {
      drop(UdpDrop.UNKNOWN_PROJECT, packet);
      return;
    }
    if (!verified(parsed, project)) {
      drop(UdpDrop.BAD_SIGNATURE, packet);
      return;
    }
    if (Math.abs(System.currentTimeMillis() / 1000 - parsed.unixSeconds()) > settings.clockWindowSeconds()) {
      drop(UdpDrop.STALE, packet);
      return;
    }
    if (!replays.firstSeen(parsed.mac(), parsed.unixSeconds() * 1000, System.currentTimeMillis())) {
      drop(UdpDrop.REPLAYED, packet);
      return;
    }
    store(parsed.body(), project.name(), packet);
  }

  /** Tries every key of the project (rotation), without stopping early, in constant time per key. */
  private static boolean verified(Parsed parsed, ProjectSettings project) {
    boolean ok = false;
    for (byte[] keyDigest : project.keyHashes()) {
      ok |= SignedDatagram.verify(parsed, keyDigest);
    }
    return ok;
  }

  /** The earlier listener's raw JSON datagram: the project is the payload's own, and must allow it. */
  private void unsigned(byte[] bytes, DatagramPacket packet) {
    JsonObject payload;
    try {
      payload = new JsonObject(io.vertx.core.buffer.Buffer.buffer(bytes));
    } catch (RuntimeException e) {
      drop(bytes.length > 0 && bytes[0] == '{' ? UdpDrop.INVALID_JSON : UdpDrop.MALFORMED, packet);
      return;
    }
    String name = payload.getValue("project") instanceof String text ? text.toLowerCase(Locale.ROOT) : null;
    ProjectSettings project = name == null ? null : projects.get(name);
    if (project == null) {
      drop(UdpDrop.UNKNOWN_PROJECT, packet);
    } else if (!project.udpUnsigned()) {
      drop(UdpDrop.UNSIGNED_NOT_ALLOWED, packet);
    } else {
      store(bytes, project.name(), packet);
    }
  }

  private void store(byte[] body, String project, DatagramPacket packet) {
    Outcome outcome;
    try {
      outcome = pipeline.processByShape(body, project, System.currentTimeMillis());
    } catch (InvalidPayloadException e) {
      drop(BodyParser.NO_ITEMS.equals(e.getMessage()) ? UdpDrop.INVALID_PAYLOAD : UdpDrop.INVALID_JSON, packet);
      return;
    }
    if (outcome.records().isEmpty()) {
      drop(UdpDrop.INVALID_PAYLOAD, packet);
      return;
    }
    if (inFlight >= settings.maxInFlight()) {
      drop(UdpDrop.STORAGE_BUSY, packet);
      return;
    }
    inFlight++;
    recordStore.store(new StoreRequest(outcome.records()))
        .onComplete(done -> {
          inFlight--;
          if (done.succeeded()) {
            stored.increment(outcome.records().size() - done.result().duplicateCount());
          } else {
            drop(StorageError.of(done.cause()).overloaded() ? UdpDrop.STORAGE_BUSY : UdpDrop.STORAGE_ERROR, packet);
          }
        });
  }

  /** Counted always; logged at most once a minute so that a flood cannot flood the log as well. */
  private void drop(UdpDrop reason, DatagramPacket packet) {
    drops.get(reason).increment();
    long now = System.currentTimeMillis();
    if (now - lastDropLogMs >= DROP_LOG_INTERVAL_MS) {
      lastDropLogMs = now;
      LOG.warn("Dropped a UDP datagram from {}: {} (counts per reason on /metrics: bitville_udp_dropped_total)",
          packet.sender(), reason.label());
    }
  }

  private JsonObject statusJson() {
    JsonObject dropped = new JsonObject();
    drops.forEach((reason, counter) -> dropped.put(reason.label(), (long) counter.count()));
    return new JsonObject().put("up", true).put("port", actualPort()).put("received", (long) received.count())
        .put("stored", (long) stored.count()).put("in_flight", inFlight).put("dropped", dropped)
        .put("replay_memory_entries", replays.size());
  }

  @Override
  public Future<?> stop() {
    if (status != null) {
      status.unregister();
    }
    return socket == null ? Future.succeededFuture() : socket.close();
  }
}
