package com.bitville.apm.pgagent.collect;

import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.shared.pg.PgEnvelope;
import com.bitville.apm.shared.pg.PgSources;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The agent's own state as records, so that a gap in the database's data can be told apart from a quiet
 * database: {@code database_unavailable} (since when and why) every sample while the database cannot be reached,
 * {@code database_recovered} (the whole outage) once it is back, and an {@code ok} heartbeat every minute otherwise.
 * Never touches the database itself.
 */
public final class AgentStatusCollector implements Collector {

  static final long INTERVAL_MS = 10_000;
  static final long HEARTBEAT_MS = 60_000;

  private final MonitorConnection db;
  private final EnvelopeFactory envelopes;
  private final Supplier<JsonArray> problems;
  private long lastHeartbeatMs;

  public AgentStatusCollector(MonitorConnection db, EnvelopeFactory envelopes, Supplier<JsonArray> problems) {
    this.db = db;
    this.envelopes = envelopes;
    this.problems = problems;
  }

  @Override
  public String name() {
    return "agent";
  }

  @Override
  public long intervalMs() {
    return INTERVAL_MS;
  }

  @Override
  public Future<List<PgEnvelope>> sample() {
    long now = System.currentTimeMillis();
    List<PgEnvelope> records = new ArrayList<>();
    MonitorConnection.Outage ended = db.takeEndedOutage();
    if (ended != null) {
      records.add(record(data("database_recovered", ended.reason())
          .put("outage_from", iso(ended.fromMs())).put("outage_to", iso(ended.toMs()))
          .put("outage_s", (ended.toMs() - ended.fromMs()) / 1000.0)));
    }
    long since = db.unavailableSinceMs();
    if (since > 0) {
      records.add(record(data("database_unavailable", db.lastError())
          .put("outage_from", iso(since)).put("outage_s", (now - since) / 1000.0)));
    } else if (records.isEmpty() && now - lastHeartbeatMs >= HEARTBEAT_MS) {
      lastHeartbeatMs = now;
      records.add(record(data("ok", null)));
    }
    return Future.succeededFuture(records);
  }

  private JsonObject data(String state, String reason) {
    return new JsonObject().put("state", state).put("reason", reason).put("problems", problems.get());
  }

  private PgEnvelope record(JsonObject data) {
    return envelopes.envelope(PgSources.AGENT, data);
  }

  private static String iso(long ms) {
    return Instant.ofEpochMilli(ms).toString();
  }
}
