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
 * Who blocks whom: one row per (waiting session, blocking session) pair from pg_blocking_pids(), which is only
 * called for sessions that wait on a lock. Sends nothing while nobody waits, so a calm server costs one cheap scan.
 */
public final class LockCollector implements Collector {

  private static final String SQL = """
      /* bitville-pg-agent:locks */
      SELECT w.pid AS blocked_pid, w.usename::text AS blocked_user, w.application_name AS blocked_application,
             host(w.client_addr) AS blocked_client_addr, left(w.query, $1) AS blocked_query,
             w.query_start AS blocked_query_start, w.datname::text AS database,
             b.pid AS blocking_pid, b.usename::text AS blocking_user, b.application_name AS blocking_application,
             host(b.client_addr) AS blocking_client_addr, left(b.query, $1) AS blocking_query,
             b.query_start AS blocking_query_start, b.state AS blocking_state,
             b.wait_event_type AS blocking_wait_event_type,
             wl.locktype, wl.mode AS blocked_mode, bl.modes AS blocking_mode,
             CASE WHEN wl.relation IS NOT NULL THEN wl.relation::regclass::text END AS relation,
             extract(epoch FROM clock_timestamp() - %s) * 1000 AS blocked_wait_ms,
             extract(epoch FROM clock_timestamp() - b.xact_start) * 1000 AS blocking_xact_ms
        FROM pg_stat_activity w
        JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid) ON true
        JOIN pg_stat_activity b ON b.pid = bp.pid
        LEFT JOIN LATERAL (SELECT l.* FROM pg_locks l WHERE l.pid = w.pid AND NOT l.granted LIMIT 1) wl ON true
        LEFT JOIN LATERAL (
             SELECT string_agg(DISTINCT l.mode, ',') AS modes
               FROM pg_locks l
              WHERE l.pid = b.pid AND l.granted AND l.locktype = wl.locktype
                AND l.database IS NOT DISTINCT FROM wl.database AND l.relation IS NOT DISTINCT FROM wl.relation
                AND l.page IS NOT DISTINCT FROM wl.page AND l.tuple IS NOT DISTINCT FROM wl.tuple
                AND l.virtualxid IS NOT DISTINCT FROM wl.virtualxid
                AND l.transactionid IS NOT DISTINCT FROM wl.transactionid
                AND l.classid IS NOT DISTINCT FROM wl.classid AND l.objid IS NOT DISTINCT FROM wl.objid
                AND l.objsubid IS NOT DISTINCT FROM wl.objsubid) bl ON true
       WHERE w.wait_event_type = 'Lock' AND w.pid <> pg_backend_pid()
       ORDER BY blocked_wait_ms DESC NULLS LAST
       LIMIT $2""";

  private final MonitorConnection db;
  private final AgentConfig.Locks config;
  private final EnvelopeFactory envelopes;

  public LockCollector(MonitorConnection db, AgentConfig.Locks config, EnvelopeFactory envelopes) {
    this.db = db;
    this.config = config;
    this.envelopes = envelopes;
  }

  @Override
  public String name() {
    return "locks";
  }

  @Override
  public long intervalMs() {
    return config.intervalMs();
  }

  @Override
  public Future<List<PgEnvelope>> sample() {
    return db.query(sql(), Tuple.of(config.queryMaxChars(), config.maxWaits())).map(this::toEnvelopes);
  }

  /** pg_locks.waitstart exists from PostgreSQL 14 on; before, the state change is the best start we have. */
  private String sql() {
    return SQL.formatted(db.serverVersionNum() >= 140000 ? "coalesce(wl.waitstart, w.state_change)"
        : "w.state_change");
  }

  private List<PgEnvelope> toEnvelopes(RowSet<Row> rows) {
    JsonArray locks = new JsonArray();
    for (Row row : rows) {
      locks.add(lockWait(row));
    }
    if (locks.isEmpty()) {
      return List.of();
    }
    BlockingChains chains = BlockingChains.of(locks);
    chains.annotate(locks);
    JsonObject data = new JsonObject()
        .put("locks", locks)
        .put("count", locks.size())
        .put("has_blocking", true)
        .put("chains", chains.toJson());
    return List.of(envelopes.envelope(PgSources.LOCKS, data));
  }

  private static JsonObject lockWait(Row row) {
    return new JsonObject()
        .put("blocked_pid", row.getInteger("blocked_pid"))
        .put("blocked_user", row.getString("blocked_user"))
        .put("blocked_application", row.getString("blocked_application"))
        .put("blocked_client_addr", row.getString("blocked_client_addr"))
        .put("blocked_query", row.getString("blocked_query"))
        .put("blocked_query_start", SqlValues.iso(row, "blocked_query_start"))
        .put("blocked_wait_ms", SqlValues.rounded(row, "blocked_wait_ms"))
        .put("blocked_correlation_id",
            CorrelationIds.fromSession(row.getString("blocked_application"), row.getString("blocked_query")))
        .put("blocking_pid", row.getInteger("blocking_pid"))
        .put("blocking_user", row.getString("blocking_user"))
        .put("blocking_application", row.getString("blocking_application"))
        .put("blocking_client_addr", row.getString("blocking_client_addr"))
        .put("blocking_query", row.getString("blocking_query"))
        .put("blocking_query_start", SqlValues.iso(row, "blocking_query_start"))
        .put("blocking_state", row.getString("blocking_state"))
        .put("blocking_wait_event_type", row.getString("blocking_wait_event_type"))
        .put("blocking_xact_ms", SqlValues.rounded(row, "blocking_xact_ms"))
        .put("blocking_correlation_id",
            CorrelationIds.fromSession(row.getString("blocking_application"), row.getString("blocking_query")))
        .put("database", row.getString("database"))
        .put("locktype", row.getString("locktype"))
        .put("blocked_mode", row.getString("blocked_mode"))
        .put("blocking_mode", row.getString("blocking_mode"))
        .put("relation", row.getString("relation"));
  }
}
