package com.bitville.apm.pgagent.collect;

import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.shared.normalize.CorrelationIds;
import com.bitville.apm.shared.pg.PgEnvelope;
import com.bitville.apm.shared.pg.PgSources;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Samples non-idle sessions from pg_stat_activity, longest-running first, without the agent's own session.
 * Samples every {@code busy_interval_ms} while active or lock-waiting sessions exceed their thresholds, and returns
 * to {@code interval_ms} after {@code calm_samples} calm samples in a row (hysteresis avoids flapping). Between full
 * samples a pulse (two counts, no rows sent) every {@code pulse_interval_ms} notices a spike as it starts.
 */
public final class SessionCollector implements Collector {

  private static final String SQL = """
      /* bitville-pg-agent:sessions */
      SELECT pid, usename::text AS usename, application_name, host(client_addr) AS client_addr, client_port,
             backend_start, xact_start, query_start, state_change, wait_event_type, wait_event, state,
             left(query, $1) AS query, backend_type, datname::text AS datname, %s AS query_id,
             extract(epoch FROM clock_timestamp() - query_start) * 1000 AS running_ms,
             count(*) FILTER (WHERE state = 'active') OVER () AS active_total,
             count(*) FILTER (WHERE wait_event_type = 'Lock') OVER () AS waiting_total,
             count(*) OVER () AS non_idle_total
        FROM pg_stat_activity
       WHERE pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'
       ORDER BY query_start ASC NULLS LAST
       LIMIT $2""";

  private static final String PULSE = """
      /* bitville-pg-agent:sessions-pulse */
      SELECT count(*) FILTER (WHERE state = 'active') AS active,
             count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting
        FROM pg_stat_activity
       WHERE pid <> pg_backend_pid()""";

  private final MonitorConnection db;
  private final AgentConfig.Sessions config;
  private final EnvelopeFactory envelopes;
  private boolean busy;
  private long calmInARow;
  private long lastFullSampleMs;
  private long pulses;

  public SessionCollector(MonitorConnection db, AgentConfig.Sessions config, EnvelopeFactory envelopes) {
    this.db = db;
    this.config = config;
    this.envelopes = envelopes;
  }

  @Override
  public String name() {
    return "sessions";
  }

  /** The tick interval: busy sampling, else the pulse (full samples are then taken every {@code interval_ms}). */
  @Override
  public long intervalMs() {
    return busy ? config.busyIntervalMs() : Math.min(config.pulseIntervalMs(), config.intervalMs());
  }

  /** The interval between full samples right now. */
  public long sampleIntervalMs() {
    return busy ? config.busyIntervalMs() : config.intervalMs();
  }

  public boolean isBusy() {
    return busy;
  }

  public long pulses() {
    return pulses;
  }

  @Override
  public Future<List<PgEnvelope>> sample() {
    boolean fullDue = busy || System.currentTimeMillis() - lastFullSampleMs >= config.intervalMs() - 50;
    return fullDue ? fullSample() : pulse();
  }

  /** Two counts: when they cross a threshold the full sample is taken at once and busy sampling starts. */
  private Future<List<PgEnvelope>> pulse() {
    pulses++;
    return db.query(PULSE).compose(rows -> {
      Row row = rows.iterator().next();
      return reachesThreshold(row.getLong("active"), row.getLong("waiting")) ? fullSample()
          : Future.succeededFuture(List.of());
    });
  }

  private Future<List<PgEnvelope>> fullSample() {
    lastFullSampleMs = System.currentTimeMillis();
    return db.query(sql(), Tuple.of(config.queryMaxChars(), config.maxSessions())).map(this::toEnvelopes);
  }

  private boolean reachesThreshold(long active, long waiting) {
    return active >= config.busyActiveThreshold() || waiting >= config.busyWaitingThreshold();
  }

  /** query_id exists from PostgreSQL 14 on. */
  private String sql() {
    return SQL.formatted(db.serverVersionNum() >= 140000 ? "query_id::text" : "NULL::text");
  }

  private List<PgEnvelope> toEnvelopes(RowSet<Row> rows) {
    JsonArray sessions = new JsonArray();
    long active = 0;
    long waiting = 0;
    long total = 0;
    int withCorrelation = 0;
    for (Row row : rows) {
      JsonObject session = session(row);
      withCorrelation += session.getString("correlation_id") != null ? 1 : 0;
      sessions.add(session);
      active = row.getLong("active_total");
      waiting = row.getLong("waiting_total");
      total = row.getLong("non_idle_total");
    }
    updateBusy(active, waiting);
    JsonObject data = new JsonObject()
        .put("sessions", sessions)
        .put("count", sessions.size())
        .put("with_correlation", withCorrelation)
        .put("non_idle_total", total)
        .put("active", active)
        .put("waiting_on_locks", waiting)
        .put("busy", busy)
        .put("interval_ms", sampleIntervalMs());
    return List.of(envelopes.envelope(PgSources.ACTIVITY, data));
  }

  private void updateBusy(long active, long waiting) {
    boolean busyNow = reachesThreshold(active, waiting);
    if (busyNow) {
      busy = true;
      calmInARow = 0;
    } else if (busy && ++calmInARow >= config.calmSamples()) {
      busy = false;
    }
  }

  private static JsonObject session(Row row) {
    String applicationName = row.getString("application_name");
    String query = row.getString("query");
    return new JsonObject()
        .put("pid", row.getInteger("pid"))
        .put("usename", row.getString("usename"))
        .put("datname", row.getString("datname"))
        .put("application_name", applicationName)
        .put("client_addr", row.getString("client_addr"))
        .put("client_port", row.getInteger("client_port"))
        .put("backend_start", SqlValues.iso(row, "backend_start"))
        .put("xact_start", SqlValues.iso(row, "xact_start"))
        .put("query_start", SqlValues.iso(row, "query_start"))
        .put("state_change", SqlValues.iso(row, "state_change"))
        .put("running_ms", SqlValues.rounded(row, "running_ms"))
        .put("wait_event_type", row.getString("wait_event_type"))
        .put("wait_event", row.getString("wait_event"))
        .put("state", row.getString("state"))
        .put("query", query)
        .put("query_id", row.getString("query_id"))
        .put("backend_type", row.getString("backend_type"))
        .put("correlation_id", CorrelationIds.fromSession(applicationName, query));
  }
}
