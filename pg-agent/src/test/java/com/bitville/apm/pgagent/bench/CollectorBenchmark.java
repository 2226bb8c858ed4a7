package com.bitville.apm.pgagent.bench;

import com.bitville.apm.pgagent.collect.Collector;
import com.bitville.apm.pgagent.collect.EnvelopeFactory;
import com.bitville.apm.pgagent.collect.LockCollector;
import com.bitville.apm.pgagent.collect.SessionCollector;
import com.bitville.apm.pgagent.collect.StatementCollector;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestConfigs;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * What each collector costs the database per sample, on a throwaway server with 200 client sessions (idle, idle in
 * transaction, active, and a lock chain) and 2,000 distinct statements in pg_stat_statements. Server time comes
 * from pg_stat_statements itself (the agent tags its SQL with a comment); round trip is measured by the agent.
 * Run with scripts/bench-pg-agent; not part of the normal test run (the class name does not end in Test).
 */
class CollectorBenchmark {

  private static final int SESSIONS = 200;
  private static final int STATEMENTS = 2_000;
  private static final int SAMPLES = 30;

  @Test
  void measure() throws Exception {
    StringBuilder report = new StringBuilder();
    try (PgServer pg = PgServer.start()) {
      Vertx vertx = Vertx.vertx();
      Context context = vertx.getOrCreateContext();
      PgConnection admin = Sql.connect(vertx, pg.port(), "postgres", "bench-admin");
      Sql.run(admin, "CREATE EXTENSION pg_stat_statements");
      createStatements(admin);
      List<PgConnection> sessions = openSessions(vertx, pg.port());
      JsonObject json = TestConfigs.base(pg.port(), "postgres", "https://127.0.0.1:1/x", TempDirs.create("bench-"));
      json.getJsonObject("statements").put("max_statements", 500);
      // full session samples only: every sample finds the server busy
      json.getJsonObject("sessions").put("busy_active_threshold", 1);
      AgentConfig config = TestConfigs.config(json);
      JsonObject calmJson = json.copy();
      calmJson.getJsonObject("sessions").put("busy_active_threshold", 100_000).put("busy_waiting_threshold", 100_000)
          .put("interval_ms", 3_600_000);
      AgentConfig calm = TestConfigs.config(calmJson);
      MonitorConnection db = new MonitorConnection(vertx, config.database());
      EnvelopeFactory envelopes = new EnvelopeFactory("bench", "bench-host");
      long distinct = Sql.run(admin, "SELECT count(*) FROM pg_stat_statements").iterator().next().getLong(0);
      long clients = Sql.run(admin, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
          .iterator().next().getLong(0);
      List<Collector> collectors = List.of(pulseOnly(new SessionCollector(db, calm.sessions(), envelopes)),
          new SessionCollector(db, config.sessions(), envelopes),
          new LockCollector(db, config.locks(), envelopes), new StatementCollector(db, config.statements(), envelopes));
      report.append(String.format(Locale.ROOT, "server: PostgreSQL %d, %d client sessions, %d statements in "
          + "pg_stat_statements before the run, %d samples per collector%n%n", pg.majorVersion(), clients, distinct,
          SAMPLES));
      report.append("| collector | DB execution time per sample (mean, ms) | round trip per sample (median / p95, ms) "
          + "| records per sample |\n| --- | --- | --- | --- |\n");
      for (Collector collector : collectors) {
        report.append(measure(context, admin, collector)).append('\n');
      }
      report.append("| logs | 0 (reads files; one pg_settings query at start) | - | - |\n");
      report.append("| host | 0 (reads /proc) | - | - |\n");
      for (PgConnection session : sessions) {
        session.close();
      }
      Sql.on(context, db::close);
      vertx.close();
    }
    Path out = Path.of("target", "bench-pg-agent.txt");
    Files.writeString(out, report.toString());
    System.out.println(report);
  }

  /** A calm server between two full samples: each sample is the pulse (two counts over pg_stat_activity). */
  private static Collector pulseOnly(SessionCollector sessions) {
    return new Collector() {
      @Override
      public String name() {
        return "sessions-pulse";
      }

      @Override
      public long intervalMs() {
        return sessions.intervalMs();
      }

      @Override
      public Future<List<com.bitville.apm.shared.pg.PgEnvelope>> sample() {
        return sessions.sample();
      }
    };
  }

  private static String measure(Context context, PgConnection admin, Collector collector) {
    Sql.on(context, collector::sample); // warm-up: prepares statements, sets the statements baseline
    double[] roundTrips = new double[SAMPLES];
    long records = 0;
    String tag = "bitville-pg-agent:" + collector.name();
    double serverBefore = serverTime(admin, tag);
    for (int i = 0; i < SAMPLES; i++) {
      runSomeWorkload(admin, i);
      long start = System.nanoTime();
      var envelopes = Sql.on(context, collector::sample);
      roundTrips[i] = (System.nanoTime() - start) / 1e6;
      for (var e : envelopes) {
        records += e.data().getInteger("count", 0);
      }
    }
    double serverMs = serverTime(admin, tag) - serverBefore;
    Arrays.sort(roundTrips);
    return String.format(Locale.ROOT, "| %s | %.3f | %.2f / %.2f | %d |", collector.name(), serverMs / SAMPLES,
        roundTrips[SAMPLES / 2], roundTrips[(int) Math.ceil(SAMPLES * 0.95) - 1], records / SAMPLES);
  }

  /** Total execution time of the agent's SQL carrying this tag, as pg_stat_statements counted it. */
  private static double serverTime(PgConnection admin, String tag) {
    Row row = Sql.run(admin, "SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements WHERE query LIKE '%"
        + tag + "%'").iterator().next();
    return row.getDouble(0);
  }

  /** 50 of the 2,000 statements run between samples, so statement deltas have something to report. */
  private static void runSomeWorkload(PgConnection admin, int round) {
    StringBuilder batch = new StringBuilder();
    for (int k = 0; k < 50; k++) {
      int n = (round * 50 + k) % STATEMENTS;
      batch.append("SELECT c").append(n / 10 % 10).append(" FROM t").append(n / 100).append(" WHERE c")
          .append(n % 10).append(" = 1;");
    }
    Sql.run(admin, batch.toString());
  }

  /** 20 tables x 10 columns x 10 filter columns: 2,000 different query shapes (distinct queryids). */
  private static void createStatements(PgConnection admin) {
    for (int t = 0; t < 20; t++) {
      StringBuilder columns = new StringBuilder();
      for (int c = 0; c < 10; c++) {
        columns.append(c == 0 ? "" : ", ").append("c").append(c).append(" int");
      }
      Sql.run(admin, "CREATE TABLE t" + t + " (" + columns + ")");
      Sql.run(admin, "INSERT INTO t" + t + " SELECT g, g, g, g, g, g, g, g, g, g FROM generate_series(1, 20) g");
    }
    Sql.run(admin, "CREATE TABLE locked (id int PRIMARY KEY)");
    Sql.run(admin, "INSERT INTO locked VALUES (1)");
    StringBuilder batch = new StringBuilder();
    int made = 0;
    for (int t = 0; t < 20 && made < STATEMENTS; t++) {
      for (int c = 0; c < 10; c++) {
        for (int w = 0; w < 10; w++) {
          batch.append("SELECT c").append(c).append(" FROM t").append(t).append(" WHERE c").append(w)
              .append(" = 1;");
          made++;
        }
      }
      Sql.run(admin, batch.toString());
      batch.setLength(0);
    }
  }

  /** 150 idle, 29 idle in transaction, 10 active (sleeping), 1 lock holder with 10 waiters behind it. */
  private static List<PgConnection> openSessions(Vertx vertx, int port) throws Exception {
    List<PgConnection> sessions = new ArrayList<>();
    List<Future<?>> running = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      PgConnection c = Sql.connect(vertx, port, "postgres", "bitville-00000000-0000-4000-8000-"
          + String.format("%012d", i));
      sessions.add(c);
      if (i >= 150 && i < 179) {
        Sql.run(c, "BEGIN");
        Sql.run(c, "SELECT 1");
      } else if (i >= 179 && i < 189) {
        running.add(Sql.start(c, "SELECT pg_sleep(600)"));
      } else if (i == 189) {
        Sql.run(c, "BEGIN");
        Sql.run(c, "UPDATE locked SET id = 1 WHERE id = 1");
      } else if (i > 189) {
        running.add(Sql.start(c, "UPDATE locked SET id = 1 WHERE id = 1"));
      }
    }
    Thread.sleep(500);
    return sessions;
  }
}
