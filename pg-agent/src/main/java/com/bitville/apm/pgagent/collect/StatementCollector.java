package com.bitville.apm.pgagent.collect;

import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.shared.normalize.CorrelationIds;
import com.bitville.apm.shared.pg.PgEnvelope;
import com.bitville.apm.shared.pg.PgSources;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pg_stat_statements as deltas per (queryid, userid, dbid, toplevel), counters read with
 * {@code pg_stat_statements(false)} so the query-text file is not read on every sample; texts come rarely from
 * {@link StatementTexts}. Columns are mapped per extension version by {@link StatementColumns}, the arithmetic is in
 * {@link StatementDeltas}. A missing extension is reported once and re-checked every 10 minutes.
 */
public final class StatementCollector implements Collector {

  private static final Logger LOG = LoggerFactory.getLogger(StatementCollector.class);
  private static final long MISSING_RECHECK_MS = 600_000;
  private static final String FIND_EXTENSION = """
      /* bitville-pg-agent:statements-setup */
      SELECT n.nspname::text AS schema,
             (SELECT array_agg(a.attname::text) FROM pg_attribute a
               WHERE a.attrelid = to_regclass(quote_ident(n.nspname) || '.pg_stat_statements')
                 AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
             to_regclass(quote_ident(n.nspname) || '.pg_stat_statements_info') IS NOT NULL AS has_info
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
       WHERE e.extname = 'pg_stat_statements'""";

  private final MonitorConnection db;
  private final AgentConfig.Statements config;
  private final EnvelopeFactory envelopes;
  private final StatementDeltas deltas = new StatementDeltas();
  private final StatementTexts texts;
  private String schema;
  private StatementColumns columns;
  private boolean hasInfo;
  private int detectedOnConnection = -1;
  private boolean missingReported;
  private long missingSinceMs;
  private String lastStatsReset;
  private ResetSeen resetSeen;
  private double lastDealloc = -1;
  private long lastSampleMs;

  public StatementCollector(MonitorConnection db, AgentConfig.Statements config, EnvelopeFactory envelopes) {
    this.db = db;
    this.config = config;
    this.envelopes = envelopes;
    this.texts = new StatementTexts(db, config.queryMaxChars(), config.textRefreshMs());
  }

  @Override
  public String name() {
    return "statements";
  }

  @Override
  public long intervalMs() {
    return config.intervalMs();
  }

  /** How often query texts were read from the server (tests and health use it to prove they are read rarely). */
  public int textReads() {
    return texts.reads();
  }

  public boolean extensionMissing() {
    return missingReported && columns == null;
  }

  @Override
  public Future<List<PgEnvelope>> sample() {
    return detect().compose(ready -> ready ? sampleCounters() : Future.succeededFuture(List.of()));
  }

  private Future<Boolean> detect() {
    boolean fresh = columns != null && detectedOnConnection == db.openedCount();
    boolean waitingAfterMissing = columns == null && missingReported
        && System.currentTimeMillis() - missingSinceMs < MISSING_RECHECK_MS;
    if (fresh || waitingAfterMissing) {
      return Future.succeededFuture(columns != null);
    }
    return db.query(FIND_EXTENSION).map(this::adoptExtension);
  }

  private boolean adoptExtension(RowSet<Row> rows) {
    if (rows.size() == 0 || rows.iterator().next().getArrayOfStrings("columns") == null) {
      reportMissing("the extension is not installed in database; run CREATE EXTENSION pg_stat_statements");
      return false;
    }
    Row row = rows.iterator().next();
    schema = row.getString("schema");
    columns = StatementColumns.of(Set.of(row.getArrayOfStrings("columns")));
    hasInfo = row.getBoolean("has_info");
    detectedOnConnection = db.openedCount();
    return true;
  }

  private void reportMissing(String why) {
    columns = null;
    missingSinceMs = System.currentTimeMillis();
    if (!missingReported) {
      missingReported = true;
      LOG.warn("pg_stat_statements unavailable, statement statistics are off until it is: {}", why);
    }
  }

  private Future<List<PgEnvelope>> sampleCounters() {
    return statsReset()
        .compose(reset -> db.query(columns.countersSql(schema))
            .map(rows -> deltas.next(entries(rows), reset != null)))
        .compose(this::withTexts)
        .recover(this::missingLibrary);
  }

  /** The module missing from {@code shared_preload_libraries} gives this error: same as a missing extension. */
  private Future<List<PgEnvelope>> missingLibrary(Throwable failure) {
    if (failure instanceof PgException pg && String.valueOf(pg.getMessage()).contains("shared_preload_libraries")) {
      reportMissing(pg.getMessage());
      return Future.succeededFuture(List.of());
    }
    return Future.failedFuture(failure);
  }

  /** A pg_stat_statements_reset() seen by this sample: when (ISO-8601, UTC) and how long ago, by the server clock. */
  private record ResetSeen(String at, double secondsAgo) {
  }

  /**
   * The reset this sample saw, or null when pg_stat_statements_reset() did not run since the last sample
   * (PostgreSQL 14+; older versions only have the per-entry detection of {@link StatementDeltas}).
   */
  private Future<ResetSeen> statsReset() {
    if (!hasInfo) {
      return Future.succeededFuture(null);
    }
    return db.query("/* bitville-pg-agent:statements-info */ SELECT stats_reset::text AS stats_reset, "
        + "to_char(stats_reset AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS reset_at, "
        + "extract(epoch FROM clock_timestamp() - stats_reset)::float8 AS reset_ago_s, "
        + "dealloc::float8 AS dealloc FROM \"" + schema.replace("\"", "\"\"") + "\".pg_stat_statements_info")
        .map(rows -> {
          Row row = rows.iterator().next();
          String reset = row.getString("stats_reset");
          boolean changed = lastStatsReset != null && !Objects.equals(lastStatsReset, reset);
          lastStatsReset = reset;
          lastDealloc = row.getDouble("dealloc");
          resetSeen = changed ? new ResetSeen(row.getString("reset_at"), row.getDouble("reset_ago_s")) : null;
          return resetSeen;
        });
  }

  private List<StatementDeltas.Entry> entries(RowSet<Row> rows) {
    List<StatementDeltas.Entry> entries = new ArrayList<>(rows.size());
    for (Row row : rows) {
      Map<String, Double> values = new HashMap<>();
      StatementColumns.COUNTERS.forEach(c -> values.put(c, row.getDouble(c)));
      StatementColumns.GAUGES.forEach(c -> values.put(c, row.getDouble(c)));
      String key = row.getString("queryid") + "|" + row.getString("userid") + "|" + row.getString("dbid") + "|"
          + row.getBoolean("toplevel") + "|" + row.getString("username") + "|" + row.getString("datname");
      entries.add(new StatementDeltas.Entry(key, values));
    }
    return entries;
  }

  private Future<List<PgEnvelope>> withTexts(StatementDeltas.Result result) {
    long now = System.currentTimeMillis();
    double intervalS = lastSampleMs == 0 ? 0 : (now - lastSampleMs) / 1000.0;
    lastSampleMs = now;
    if (result.baselineOnly()) {
      return Future.succeededFuture(List.of());
    }
    List<StatementDeltas.Entry> top = result.changed().stream()
        .sorted(Comparator.comparingDouble((StatementDeltas.Entry e) -> -e.values().get("total_exec_time")))
        .limit(config.maxStatements())
        .toList();
    return texts.fetchMissing(top.stream().map(e -> queryId(e.key())).toList(), columns.textsSql(schema))
        .map(v -> List.of(envelope(top, result, intervalS)));
  }

  /**
   * After a pg_stat_statements_reset() the counters cover only the time since the reset, so that is the interval
   * sent, and the entries that vanished were reset, not evicted.
   */
  private PgEnvelope envelope(List<StatementDeltas.Entry> top, StatementDeltas.Result result, double intervalS) {
    JsonArray statements = new JsonArray();
    top.forEach(entry -> statements.add(statement(entry)));
    ResetSeen reset = hasInfo ? resetSeen : null;
    JsonObject data = new JsonObject()
        .put("statements", statements)
        .put("count", statements.size())
        .put("changed_total", result.changed().size())
        .put("evicted", reset != null ? 0 : result.evicted())
        .put("interval_s", reset != null ? round(Math.min(intervalS, Math.max(0, reset.secondsAgo()))) : intervalS)
        .put("deltas", true);
    if (reset != null) {
      data.put("stats_reset", reset.at());
    }
    if (lastDealloc >= 0) {
      data.put("dealloc_total", (long) lastDealloc);
    }
    return envelopes.envelope(PgSources.STATEMENTS, data);
  }

  private JsonObject statement(StatementDeltas.Entry entry) {
    String[] key = entry.key().split("\\|", -1);
    Map<String, Double> v = entry.values();
    String query = CorrelationIds.withoutIds(texts.get(key[0]));
    double calls = v.get("calls");
    JsonObject json = new JsonObject()
        .put("queryid", key[0])
        .put("userid", key[1])
        .put("dbid", key[2])
        .put("toplevel", Boolean.parseBoolean(key[3]))
        .put("username", "null".equals(key[4]) ? null : key[4])
        .put("datname", "null".equals(key[5]) ? null : key[5])
        .put("query", query)
        .put("mean_exec_time", round(v.get("total_exec_time") / calls));
    for (String counter : StatementColumns.COUNTERS) {
      json.put(counter, isCount(counter) ? (Object) Math.round(v.get(counter)) : round(v.get(counter)));
    }
    StatementColumns.GAUGES.forEach(g -> json.put(g, round(v.get(g))));
    return json;
  }

  private static boolean isCount(String counter) {
    return counter.equals("calls") || counter.equals("rows") || counter.contains("_blks_");
  }

  private static double round(double value) {
    return Math.round(value * 1000.0) / 1000.0;
  }

  private static String queryId(String key) {
    return key.substring(0, key.indexOf('|'));
  }
}
