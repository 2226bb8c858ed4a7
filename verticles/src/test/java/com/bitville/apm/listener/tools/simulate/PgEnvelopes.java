package com.bitville.apm.listener.tools.simulate;

import com.bitville.apm.listener.tools.simulate.TrafficGenerator.SimRequest;
import com.bitville.apm.listener.tools.simulate.TrafficGenerator.SqlExec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * pg-agent envelopes of one minute, consistent with the minute's requests: session counts follow Little's law
 * from the time spent in SQL (running, waiting on locks, reading from disk), statement deltas sum every
 * request's statements (fast ones too), log lines are the statements over 1 s and lock waits, host metrics
 * follow the sessions. Shapes as documented in docs/pg-agent.md and the fixtures.
 */
final class PgEnvelopes {

  private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
      .withZone(ZoneOffset.UTC);
  private static final int BLOCKER_PID = 31337;

  private final Scenario scenario;
  private final SplittableRandom random;
  private int nextPid = 40_000;

  PgEnvelopes(Scenario scenario, SplittableRandom random) {
    this.scenario = scenario;
    this.random = random;
  }

  List<JsonObject> minute(long startMs, List<SimRequest> requests, Incident lock) {
    double runMs = 0;
    double lockMs = 0;
    double ioMs = 0;
    List<SimRequest> lockWaiters = new ArrayList<>();
    for (SimRequest request : requests) {
      for (SqlExec exec : request.sql()) {
        runMs += exec.timeMs() - exec.lockWaitMs() - exec.ioMs();
        lockMs += exec.lockWaitMs();
        ioMs += exec.ioMs();
        if (exec.lockWaitMs() > 0) {
          lockWaiters.add(request);
        }
      }
    }
    List<JsonObject> envelopes = new ArrayList<>();
    for (long t = startMs; t < startMs + Scenario.MINUTE_MS; t += TrafficGenerator.sampleMs()) {
      long sampleAt = t + TrafficGenerator.sampleMs() - 1;
      int active = poissonOf(runMs / Scenario.MINUTE_MS + 1.0);
      int io = poissonOf(ioMs / Scenario.MINUTE_MS);
      int waiting = lockWaiters.isEmpty() ? 0 : Math.min(lockWaiters.size(), 1 + poissonOf(lockMs / Scenario.MINUTE_MS));
      envelopes.add(activity(sampleAt, requests, active, io, waiting, lockWaiters, lock != null));
      if (waiting > 0) {
        envelopes.add(locks(sampleAt, lockWaiters.subList(0, waiting), lock));
      } else if (random.nextDouble() < 0.03) {
        envelopes.add(briefLock(sampleAt, requests));
      }
      envelopes.add(systemMetrics(sampleAt, active, io, waiting));
    }
    envelopes.add(statements(startMs + Scenario.MINUTE_MS - 1, requests));
    JsonObject log = log(startMs, requests, lockWaiters);
    if (log != null) {
      envelopes.add(log);
    }
    return envelopes;
  }

  private JsonObject envelope(String source, long timeMs, JsonObject data) {
    return new JsonObject().put("correlation_id", "").put("project", scenario.project())
        .put("timestamp", timeMs / 1000.0).put("source", source).put("host", "db-primary").put("data", data);
  }

  private JsonObject activity(long timeMs, List<SimRequest> requests, int active, int io, int waiting,
      List<SimRequest> lockWaiters, boolean blockerHolds) {
    JsonArray sessions = new JsonArray();
    for (int i = 0; i < active; i++) {
      SimRequest request = requests.isEmpty() ? null : requests.get(random.nextInt(requests.size()));
      sessions.add(session(request, request == null || request.sql().isEmpty() ? "SELECT 1"
          : request.sql().get(0).text(), "active", null, null, timeMs));
    }
    for (int i = 0; i < io; i++) {
      sessions.add(session(null, Routes.CUSTOMER_BY_EMAIL.sql().formatted(random.nextInt(99_999)), "active", "IO",
          "DataFileRead", timeMs));
    }
    for (int i = 0; i < waiting; i++) {
      SimRequest waiter = lockWaiters.get(i);
      sessions.add(session(waiter, waiter.sql().get(0).text(), "active", "Lock", "transactionid", timeMs));
    }
    if (blockerHolds) {
      JsonObject blocker = session(null, Routes.IMPORT_BLOCKING_SQL, "idle in transaction", "Client",
          "ClientRead", timeMs).put("pid", BLOCKER_PID);
      String id = Scenario.blockerCorrelationId(scenario.seed());
      sessions.add(blocker.put("application_name", "bitville-" + id).put("correlation_id", id));
    } else if (random.nextDouble() < 0.3) {
      sessions.add(session(null, "SELECT 1", "idle in transaction", "Client", "ClientRead", timeMs));
    }
    return envelope("pg_stat_activity", timeMs, new JsonObject().put("sessions", sessions)
        .put("count", sessions.size()));
  }

  private JsonObject session(SimRequest request, String query, String state, String waitType, String wait,
      long timeMs) {
    String iso = Instant.ofEpochMilli(timeMs - 200).toString();
    JsonObject session = new JsonObject().put("pid", pid()).put("usename", "shop_app")
        .put("application_name", request == null ? "php-fpm" : "bitville-" + request.correlationId())
        .put("client_addr", "10.0.3.17").put("client_port", 50_000 + random.nextInt(10_000))
        .put("backend_start", iso).put("xact_start", iso).put("query_start", iso).put("state_change", iso)
        .put("wait_event_type", waitType).put("wait_event", wait).put("state", state).put("query", query)
        .put("backend_type", "client backend");
    return session.put("correlation_id", request == null ? null : request.correlationId());
  }

  private int pid() {
    nextPid = nextPid >= 60_000 ? 40_000 : nextPid + 1;
    return nextPid;
  }

  private JsonObject locks(long timeMs, List<SimRequest> waiters, Incident lock) {
    String blockerId = Scenario.blockerCorrelationId(scenario.seed());
    JsonArray rows = new JsonArray();
    for (SimRequest waiter : waiters) {
      rows.add(lockRow(waiter, BLOCKER_PID, "bitville-" + blockerId, blockerId, Routes.IMPORT_BLOCKING_SQL,
          "idle in transaction", 1_000 + random.nextInt(12_000), timeMs, lock.fromMs()));
    }
    return envelope("pg_locks", timeMs, new JsonObject().put("locks", rows).put("count", rows.size())
        .put("has_blocking", true));
  }

  /** The everyday short wait of one checkout behind another: noise every real database shows. */
  private JsonObject briefLock(long timeMs, List<SimRequest> requests) {
    JsonArray rows = new JsonArray();
    String other = "00000000-0000-4000-8000-" + String.format("%012d", random.nextInt(1_000_000));
    SimRequest waiter = requests.isEmpty() ? null : requests.get(random.nextInt(requests.size()));
    if (waiter != null && !waiter.sql().isEmpty()) {
      rows.add(lockRow(waiter, pid(), "bitville-" + other, other, "UPDATE \"stock_levels\" SET \"qty\" = \"qty\" - 1 "
          + "WHERE \"stock_levels\".\"sku\" = 'SKU-7'", "active", 50 + random.nextInt(250), timeMs, timeMs - 2_000));
    }
    return envelope("pg_locks", timeMs, new JsonObject().put("locks", rows).put("count", rows.size())
        .put("has_blocking", !rows.isEmpty()));
  }

  private JsonObject lockRow(SimRequest waiter, int blockingPid, String blockingApp, String blockingId,
      String blockingQuery, String blockingState, long waitMs, long timeMs, long blockingStart) {
    return new JsonObject().put("blocked_pid", pid()).put("blocked_user", "shop_app")
        .put("blocked_application", "bitville-" + waiter.correlationId()).put("blocked_client_addr", "10.0.3.17")
        .put("blocked_query", waiter.sql().get(0).text())
        .put("blocked_query_start", Instant.ofEpochMilli(timeMs - waitMs).toString())
        .put("blocking_pid", blockingPid).put("blocking_user", "shop_app").put("blocking_application", blockingApp)
        .put("blocking_client_addr", "10.0.3.18").put("blocking_query", blockingQuery)
        .put("blocking_query_start", Instant.ofEpochMilli(blockingStart).toString()).put("locktype", "transactionid")
        .put("blocked_mode", "ShareLock").put("blocking_mode", "ExclusiveLock").put("blocked_wait_ms", waitMs)
        .put("blocked_correlation_id", waiter.correlationId()).put("blocking_correlation_id", blockingId)
        .put("blocking_state", blockingState).put("root_blocking_pid", blockingPid).put("chain_depth", 1);
  }

  private JsonObject systemMetrics(long timeMs, int active, int io, int waiting) {
    double cpu = Math.min(99, 18 + active * 6 + random.nextDouble() * 6);
    double iowait = Math.min(80, 1 + io * 9 + random.nextDouble());
    double load = 2 + active + io * 1.5 + waiting + random.nextDouble();
    return envelope("system_metrics", timeMs, new JsonObject()
        .put("cpu", new JsonObject().put("percent", round(cpu)).put("user_percent", round(cpu * 0.8))
            .put("system_percent", round(cpu * 0.15)).put("iowait_percent", round(iowait)).put("steal_percent", 0.0)
            .put("count_logical", 32).put("load_avg_1m", round(load)).put("load_avg_5m", round(load * 0.8))
            .put("load_avg_15m", round(load * 0.6)))
        .put("memory", new JsonObject().put("total", 135089561600L).put("available", 40131233792L)
            .put("percent", 70.3))
        .put("interval_s", TrafficGenerator.sampleMs() / 1000));
  }

  private JsonObject statements(long timeMs, List<SimRequest> requests) {
    Map<String, double[]> byText = new LinkedHashMap<>();
    for (SimRequest request : requests) {
      for (SqlExec exec : request.sql()) {
        double[] totals = byText.computeIfAbsent(exec.statement().pg(), k -> new double[2]);
        totals[0]++;
        totals[1] += exec.timeMs();
      }
    }
    JsonArray list = new JsonArray();
    byText.forEach((text, totals) -> list.add(new JsonObject().put("queryid", Routes.queryId(text))
        .put("query", text).put("calls", (long) totals[0]).put("total_exec_time", round(totals[1]))
        .put("mean_exec_time", round(totals[1] / totals[0])).put("rows", (long) totals[0])
        .put("shared_blks_hit", (long) totals[0] * 12).put("shared_blks_read", 0).put("temp_blks_written", 0)));
    return envelope("pg_stat_statements", timeMs, new JsonObject().put("statements", list)
        .put("count", list.size()).put("deltas", true).put("interval_s", 60));
  }

  private JsonObject log(long startMs, List<SimRequest> requests, List<SimRequest> lockWaiters) {
    JsonArray entries = new JsonArray();
    for (SimRequest request : requests) {
      for (SqlExec exec : request.sql()) {
        if (exec.timeMs() > 1_000 && entries.size() < 60) {
          String statement = exec.text() + " /* correlation:" + request.correlationId() + " */";
          entries.add(entry(request.endMs(), "LOG", "duration: " + round(exec.timeMs()) + " ms  statement: "
              + statement, "slow_statement").put("duration_ms", round(exec.timeMs())).put("statement", statement)
              .put("correlation_id", request.correlationId()));
        }
      }
    }
    for (SimRequest waiter : lockWaiters.subList(0, Math.min(20, lockWaiters.size()))) {
      entries.add(entry(waiter.endMs(), "LOG", "process " + pid() + " still waiting for ShareLock on transaction "
          + "5512231 after 1000.112 ms", "lock_wait").put("correlation_id", waiter.correlationId()));
    }
    if ((startMs / Scenario.MINUTE_MS) % 5 == 0) {
      entries.add(entry(startMs + 1_000, "LOG", "checkpoint complete: wrote 1204 buffers (0.9%)", "checkpoint"));
    }
    if (entries.isEmpty()) {
      return null;
    }
    return envelope("pg_log", startMs + Scenario.MINUTE_MS - 1, new JsonObject().put("entries", entries)
        .put("count", entries.size()));
  }

  private JsonObject entry(long timeMs, String level, String message, String category) {
    return new JsonObject().put("timestamp", LOG_TIME.format(Instant.ofEpochMilli(timeMs))).put("pid", pid())
        .put("level", level).put("message", message).put("user", "shop_app").put("database", "shop_production")
        .put("timezone", "UTC").put("category", category);
  }

  private int poissonOf(double mean) {
    double limit = Math.exp(-Math.min(mean, 50));
    double product = random.nextDouble();
    int count = 0;
    while (product > limit && count < 200) {
      product *= random.nextDouble();
      count++;
    }
    return count;
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
