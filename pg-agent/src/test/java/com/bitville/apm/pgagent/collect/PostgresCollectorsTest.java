package com.bitville.apm.pgagent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PostgresCollectorsTest {

  private static PgServer pg;
  private static Vertx vertx;
  private static Context context;
  private static io.vertx.core.json.JsonObject baseJson;
  private static PgConnection admin;

  @BeforeAll
  static void startServer() throws Exception {
    pg = PgServer.start();
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    admin = Sql.connect(vertx, pg.port(), "postgres", "test-admin");
    Sql.run(admin, "CREATE DATABASE app");
    PgConnection app = Sql.connect(vertx, pg.port(), "app", "test-setup");
    Sql.run(app, "CREATE EXTENSION pg_stat_statements");
    Sql.run(app, "CREATE TABLE orders (id int PRIMARY KEY, status text)");
    Sql.run(app, "INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g");
    Sql.await(app.close());
    baseJson = TestConfigs.base(pg.port(), "app", "https://127.0.0.1:1/ingest/postgres",
        com.bitville.apm.pgagent.support.TempDirs.create("pgagent-state-"));
  }

  @AfterAll
  static void stopServer() {
    vertx.close();
    pg.close();
  }

  private static AgentConfig config() {
    return TestConfigs.config(baseJson.copy());
  }

  private static EnvelopeFactory envelopes() {
    return new EnvelopeFactory("shop", "db-host-1");
  }

  @Test
  @DisplayName("Sessions: non-idle sessions with correlation ids from application_name and comments, no idle, no self")
  void sessions() throws Exception {
    String fromAppName = UUID.randomUUID().toString();
    String fromComment = UUID.randomUUID().toString();
    PgConnection first = Sql.connect(vertx, pg.port(), "app", "bitville-" + fromAppName);
    PgConnection second = Sql.connect(vertx, pg.port(), "app", "php-worker");
    PgConnection idle = Sql.connect(vertx, pg.port(), "app", "idle-one");
    Future<RowSet<Row>> longer = Sql.start(first, "SELECT pg_sleep(3)");
    Thread.sleep(200);
    Future<RowSet<Row>> shorter = Sql.start(second, "SELECT pg_sleep(2.5) /* correlation:" + fromComment + " */");
    MonitorConnection db = new MonitorConnection(vertx, config().database());
    SessionCollector collector = new SessionCollector(db, config().sessions(), envelopes());
    PgEnvelope[] sampled = new PgEnvelope[1];
    Sql.eventually(2_000, "both sessions active", () -> {
      sampled[0] = Sql.on(context, collector::sample).get(0);
      return sampled[0].data().getInteger("count") >= 2;
    });
    PgEnvelope envelope = sampled[0];
    JsonObject data = envelope.data();
    JsonArray sessions = data.getJsonArray("sessions");
    List<String> apps = new ArrayList<>();
    sessions.forEach(s -> apps.add(((JsonObject) s).getString("application_name")));
    assertEquals("pg_stat_activity", envelope.source());
    assertEquals("bitville-" + fromAppName, apps.get(0), "longest-running first: " + apps);
    assertTrue(apps.contains("php-worker"));
    assertFalse(apps.contains("idle-one"), "idle sessions are excluded");
    assertFalse(apps.contains("bitville-pg-agent"), "the agent excludes itself");
    JsonObject firstSession = sessions.getJsonObject(0);
    assertEquals(fromAppName, firstSession.getString("correlation_id"));
    JsonObject commented = find(sessions, "application_name", "php-worker");
    assertEquals(fromComment, commented.getString("correlation_id"));
    assertEquals("app", commented.getString("datname"));
    assertEquals("client backend", commented.getString("backend_type"));
    assertTrue(data.getInteger("with_correlation") >= 2);
    assertFieldsOfFixture("pg_stat_activity.json", "sessions", firstSession);
    assertTrue(envelope.toJson().containsKey("correlation_id"));
    Sql.await(Future.all(longer, shorter));
    Sql.on(context, db::close);
    Sql.await(Future.all(first.close(), second.close(), idle.close()));
  }

  @Test
  @DisplayName("Sessions: sampling speeds up to the busy interval while busy and returns after calm samples")
  void adaptiveInterval() throws Exception {
    JsonObject json = baseJson.copy();
    json.getJsonObject("sessions").put("interval_ms", 10_000).put("busy_interval_ms", 1_000)
        .put("busy_active_threshold", 2).put("calm_samples", 2);
    AgentConfig config = TestConfigs.config(json);
    MonitorConnection db = new MonitorConnection(vertx, config.database());
    SessionCollector collector = new SessionCollector(db, config.sessions(), envelopes());
    Sql.on(context, collector::sample);
    assertEquals(10_000, collector.sampleIntervalMs());
    PgConnection a = Sql.connect(vertx, pg.port(), "app", "busy-a");
    PgConnection b = Sql.connect(vertx, pg.port(), "app", "busy-b");
    Future<?> sa = Sql.start(a, "SELECT pg_sleep(2)");
    Future<?> sb = Sql.start(b, "SELECT pg_sleep(2)");
    Sql.eventually(1_500, "busy: two active sessions reach the threshold", () -> {
      Sql.on(context, collector::sample);
      return collector.sampleIntervalMs() == 1_000;
    });
    Sql.await(Future.all(sa, sb));
    Sql.on(context, collector::sample);
    assertEquals(1_000, collector.sampleIntervalMs(), "one calm sample is not enough (hysteresis)");
    Sql.on(context, collector::sample);
    assertEquals(10_000, collector.sampleIntervalMs(), "back to normal after two calm samples");
    Sql.on(context, db::close);
    Sql.await(Future.all(a.close(), b.close()));
  }

  @Test
  @DisplayName("Sessions: a spike is seen within about a second although full samples are a minute apart")
  void spikeSeenAtOnce() throws Exception {
    JsonObject json = baseJson.copy();
    json.getJsonObject("sessions").put("interval_ms", 60_000).put("busy_interval_ms", 1_000)
        .put("pulse_interval_ms", 1_000).put("busy_active_threshold", 3);
    AgentConfig config = TestConfigs.config(json);
    MonitorConnection db = new MonitorConnection(vertx, config.database());
    SessionCollector collector = new SessionCollector(db, config.sessions(), envelopes());
    List<JsonObject> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    SampleLoop loop = new SampleLoop(vertx, collector, list -> list.forEach(e -> sent.add(e.data())));
    context.runOnContext(v -> loop.start());
    Sql.eventually(10_000, "the first full sample", () -> sent.size() == 1);
    Thread.sleep(1_500);
    assertEquals(1, sent.size(), "pulses send nothing while calm");
    List<PgConnection> spike = new ArrayList<>();
    List<Future<?>> sleeps = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      spike.add(Sql.connect(vertx, pg.port(), "app", "spike-" + i));
    }
    long spikeStart = System.currentTimeMillis();
    spike.forEach(c -> sleeps.add(Sql.start(c, "SELECT pg_sleep(4)")));
    Sql.eventually(15_000, "a busy sample", () -> sent.stream().anyMatch(d -> d.getBoolean("busy")));
    long seenAfter = System.currentTimeMillis() - spikeStart;
    assertTrue(seenAfter < 4_000, "spike seen after " + seenAfter + " ms, not at the next 60 s sample");
    assertTrue(collector.pulses() >= 1);
    context.runOnContext(v -> loop.stop());
    Sql.await(Future.all(sleeps.stream().map(f -> (Future<?>) f).toList()));
    Sql.on(context, db::close);
    spike.forEach(c -> Sql.await(c.close()));
  }

  @Test
  @DisplayName("Locks: a real chain of three sessions is reported with who blocks whom, modes, relation and waits")
  void lockChain() throws Exception {
    String holderId = UUID.randomUUID().toString();
    String waiterId = UUID.randomUUID().toString();
    PgConnection holder = Sql.connect(vertx, pg.port(), "app", "bitville-" + holderId);
    PgConnection waiter = Sql.connect(vertx, pg.port(), "app", "bitville-" + waiterId);
    PgConnection third = Sql.connect(vertx, pg.port(), "app", "third");
    Sql.run(holder, "BEGIN");
    Sql.run(holder, "UPDATE orders SET status = 'held' WHERE id = 7");
    Future<?> w = Sql.start(waiter, "UPDATE orders SET status = 'waiter' WHERE id = 7");
    Thread.sleep(200);
    Future<?> t = Sql.start(third, "UPDATE orders SET status = 'third' WHERE id = 7");
    MonitorConnection db = new MonitorConnection(vertx, config().database());
    LockCollector collector = new LockCollector(db, config().locks(), envelopes());
    JsonObject[] data = new JsonObject[1];
    Sql.eventually(10_000, "two waits in the chain", () -> {
      List<PgEnvelope> sample = Sql.on(context, collector::sample);
      data[0] = sample.isEmpty() ? null : sample.get(0).data();
      return data[0] != null && data[0].getInteger("count") >= 2;
    });
    int holderPid = Sql.run(holder, "SELECT pg_backend_pid()").iterator().next().getInteger(0);
    int waiterPid = Sql.run(admin, "SELECT pid FROM pg_stat_activity WHERE application_name = 'bitville-"
        + waiterId + "'").iterator().next().getInteger(0);
    JsonArray locks = data[0].getJsonArray("locks");
    JsonObject direct = find(locks, "blocked_pid", waiterPid);
    assertEquals(holderPid, direct.getInteger("blocking_pid"));
    assertEquals("transactionid", direct.getString("locktype"));
    assertEquals("ShareLock", direct.getString("blocked_mode"));
    assertEquals("ExclusiveLock", direct.getString("blocking_mode"));
    assertEquals(waiterId, direct.getString("blocked_correlation_id"));
    assertEquals(holderId, direct.getString("blocking_correlation_id"));
    assertTrue(direct.getString("blocked_query").contains("'waiter'"));
    assertTrue(direct.getString("blocking_query").contains("'held'"));
    assertTrue(direct.getDouble("blocked_wait_ms") > 0);
    JsonObject indirect = locks.stream().map(JsonObject.class::cast)
        .filter(l -> l.getString("blocked_application").equals("third")).findFirst().orElseThrow();
    assertEquals(waiterPid, indirect.getInteger("blocking_pid"), "the third waits behind the second");
    assertEquals("orders", indirect.getString("relation"));
    assertEquals(holderPid, indirect.getInteger("root_blocking_pid"));
    assertEquals(2, indirect.getInteger("chain_depth"));
    assertEquals(holderPid, data[0].getJsonArray("chains").getJsonObject(0).getInteger("root_pid"));
    assertEquals(holderId, indirect.getString("root_blocking_correlation_id"),
        "the root blocker's request is named on the wait two steps behind it too");
    assertEquals(holderId, data[0].getJsonArray("chains").getJsonObject(0).getString("root_correlation_id"));
    assertFieldsOfFixture("pg_locks.json", "locks", direct);
    Sql.run(holder, "ROLLBACK");
    Sql.await(Future.all(w, t));
    assertTrue(Sql.on(context, collector::sample).isEmpty(), "nothing is sent while nobody waits");
    Sql.on(context, db::close);
    Sql.await(Future.all(holder.close(), waiter.close(), third.close()));
  }

  @Test
  @DisplayName("Statements: deltas between samples, texts read only for statements not seen before")
  void statementDeltas() throws Exception {
    String marker = "SELECT count(*) FROM orders WHERE status <> 'x'";
    PgConnection app = Sql.connect(vertx, pg.port(), "app", "workload");
    MonitorConnection db = new MonitorConnection(vertx, config().database());
    StatementCollector collector = new StatementCollector(db, config().statements(), envelopes());
    assertTrue(Sql.on(context, collector::sample).isEmpty(), "the first sample only sets the baseline");
    repeat(app, marker, 5);
    JsonObject first = statement(Sql.on(context, collector::sample), "status <> $1");
    assertEquals(5, first.getLong("calls"));
    assertFieldsOfFixture("pg_stat_statements.json", "statements", first);
    repeat(app, marker, 3);
    JsonObject second = statement(Sql.on(context, collector::sample), "status <> $1");
    assertEquals(3, second.getLong("calls"), "a delta, not the cumulative 8");
    assertEquals(3, second.getLong("rows"), "rows are deltas too (count(*) returns one row per call)");
    int readsAfterSecond = collector.textReads();
    repeat(app, marker, 2);
    assertEquals(2, statement(Sql.on(context, collector::sample), "status <> $1").getLong("calls"));
    assertEquals(readsAfterSecond, collector.textReads(), "known texts are not read again");
    Sql.on(context, db::close);
    Sql.await(app.close());
  }

  @Test
  @DisplayName("Statements: a burst's statements that never run again are sent with their full text")
  void burstStatementsKeepTheirText() throws Exception {
    PgConnection app = Sql.connect(vertx, pg.port(), "app", "burst");
    MonitorConnection db = new MonitorConnection(vertx, config().database());
    StatementCollector collector = new StatementCollector(db, config().statements(), envelopes());
    Sql.on(context, collector::sample);
    repeat(app, "SELECT pg_sleep(0.01) AS burst_one", 3);
    JsonObject burst = statement(Sql.on(context, collector::sample), "AS burst_one");
    assertEquals(3, burst.getLong("calls"));
    repeat(app, "SELECT o.id, p.id FROM orders o JOIN orders p ON p.status = o.status WHERE o.id < 3", 2);
    JsonObject join = statement(Sql.on(context, collector::sample), "JOIN orders p");
    assertEquals(2, join.getLong("calls"), "a statement new in a later sample gets its text in that sample");
    assertTrue(join.getDouble("total_exec_time") > 0);
    Sql.on(context, db::close);
    Sql.await(app.close());
  }

  @Test
  @DisplayName("Statements: calls of several requests are linked to none of them, the text keeps no request's id")
  void statementsCarryNoRequestId() throws Exception {
    String a = UUID.randomUUID().toString();
    String d = UUID.randomUUID().toString();
    PgConnection app = Sql.connect(vertx, pg.port(), "app", "php");
    MonitorConnection db = new MonitorConnection(vertx, config().database());
    StatementCollector collector = new StatementCollector(db, config().statements(), envelopes());
    Sql.on(context, collector::sample);
    Sql.run(app, "SELECT count(*) FROM orders WHERE id > 40 /* correlation:" + a + " */");
    List<PgEnvelope> firstSample = Sql.on(context, collector::sample);
    repeat(app, "SELECT count(*) FROM orders WHERE id > 41 /* correlation:" + d + " */", 5);
    List<PgEnvelope> secondSample = Sql.on(context, collector::sample);
    JsonObject statement = statement(secondSample, "id > $1");
    assertEquals(5, statement.getLong("calls"), "request D's five calls");
    assertTrue(statement.getString("query").contains("/* correlation:(varies) */"), statement.getString("query"));
    for (PgEnvelope envelope : List.of(firstSample.get(0), secondSample.get(0))) {
      assertFalse(envelope.toJson().encode().contains(a), "A's id is nowhere in " + envelope.toJson().encode());
      assertFalse(envelope.toJson().encode().contains(d));
      assertEquals("", envelope.correlationId());
    }
    Sql.on(context, db::close);
    Sql.await(app.close());
  }

  @Test
  @DisplayName("Statements: a pg_stat_statements_reset() is sent as stats_reset with the interval since the reset")
  void statsResetIsSent() throws Exception {
    Assumptions.assumeTrue(pg.majorVersion() >= 14, "pg_stat_statements_info exists from PostgreSQL 14 on");
    String marker = "SELECT max(id) AS reset_test FROM orders WHERE status <> 'x'";
    PgConnection app = Sql.connect(vertx, pg.port(), "app", "reset-workload");
    MonitorConnection db = new MonitorConnection(vertx, config().database());
    StatementCollector collector = new StatementCollector(db, config().statements(), envelopes());
    Sql.on(context, collector::sample);
    repeat(app, marker, 4);
    JsonObject before = Sql.on(context, collector::sample).get(0).data();
    assertNull(before.getString("stats_reset"), "no reset, no mark");
    Thread.sleep(1500);
    long resetAt = System.currentTimeMillis();
    Sql.run(app, "SELECT pg_stat_statements_reset()");
    repeat(app, marker, 2);
    Thread.sleep(300);
    List<PgEnvelope> afterSample = Sql.on(context, collector::sample);
    JsonObject after = afterSample.get(0).data();
    double sinceReset = (System.currentTimeMillis() - resetAt) / 1000.0;
    assertNotNull(after.getString("stats_reset"), after.encode());
    java.time.Instant reset = java.time.Instant.parse(after.getString("stats_reset"));
    assertTrue(Math.abs(reset.toEpochMilli() - resetAt) < 5_000, "reset time " + reset);
    assertTrue(after.getDouble("interval_s") <= sinceReset + 0.5,
        "interval " + after.getDouble("interval_s") + " s covers only the time since the reset (" + sinceReset + ")");
    assertEquals(0, after.getInteger("evicted"), "entries gone by the reset are not evictions");
    assertEquals(2, statement(afterSample, "AS reset_test").getLong("calls"), "counted from zero after the reset");
    Sql.on(context, db::close);
    Sql.await(app.close());
  }

  @Test
  @DisplayName("Statements: without the extension the collector sends nothing and warns exactly once")
  void missingExtension() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    Logger logger = (Logger) LoggerFactory.getLogger(StatementCollector.class);
    logger.addAppender(appender);
    JsonObject json = baseJson.copy();
    json.getJsonObject("database").put("name", "postgres");
    AgentConfig config = TestConfigs.config(json);
    MonitorConnection db = new MonitorConnection(vertx, config.database());
    StatementCollector collector = new StatementCollector(db, config.statements(), envelopes());
    for (int i = 0; i < 3; i++) {
      assertTrue(Sql.on(context, collector::sample).isEmpty());
    }
    assertTrue(collector.extensionMissing());
    long warnings = appender.list.stream().filter(e -> e.getFormattedMessage().contains("pg_stat_statements")).count();
    assertEquals(1, warnings);
    logger.detachAppender(appender);
    Sql.on(context, db::close);
  }

  @Test
  @DisplayName("The documented monitoring role (pg_monitor) is enough to see other users' sessions and statements")
  void monitoringRoleSuffices() throws Exception {
    String script = Files.readString(java.nio.file.Path.of("packaging/monitoring-role.sql"));
    PgConnection app = Sql.connect(vertx, pg.port(), "app", "role-setup");
    for (String statement : script.replaceAll("(?m)^--.*$", "").split(";")) {
      if (!statement.isBlank()) {
        Sql.run(app, statement);
      }
    }
    Future<?> other = Sql.start(app, "SELECT pg_sleep(1) /* visible to the monitor */");
    JsonObject json = baseJson.copy();
    json.getJsonObject("database").put("user", "bitville_monitor");
    AgentConfig config = TestConfigs.config(json);
    MonitorConnection db = new MonitorConnection(vertx, config.database());
    Thread.sleep(100);
    JsonArray sessions = Sql.on(context, new SessionCollector(db, config.sessions(), envelopes())::sample)
        .get(0).data().getJsonArray("sessions");
    assertTrue(sessions.encode().contains("visible to the monitor"), "full query text of another user");
    StatementCollector statements = new StatementCollector(db, config.statements(), envelopes());
    Sql.on(context, statements::sample);
    assertFalse(statements.extensionMissing());
    assertEquals("on", Sql.on(context, () -> db.query("SHOW transaction_read_only")).iterator().next()
        .getString(0));
    Sql.await(other);
    Sql.on(context, db::close);
    Sql.await(app.close());
  }

  private static void repeat(PgConnection connection, String sql, int times) {
    for (int i = 0; i < times; i++) {
      Sql.run(connection, sql);
    }
  }

  private static JsonObject statement(List<PgEnvelope> envelopes, String textPart) {
    assertEquals(1, envelopes.size());
    assertEquals("pg_stat_statements", envelopes.get(0).source());
    for (Object s : envelopes.get(0).data().getJsonArray("statements")) {
      JsonObject statement = (JsonObject) s;
      if (statement.getString("query") != null && statement.getString("query").contains(textPart)) {
        return statement;
      }
    }
    throw new AssertionError("no statement containing " + textPart + " in " + envelopes.get(0).data().encode());
  }

  private static JsonObject find(JsonArray array, String key, Object value) {
    return array.stream().map(JsonObject.class::cast).filter(o -> value.equals(o.getValue(key))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + key + "=" + value + " in " + array.encode()));
  }

  /** Our records keep every field name the earlier agent sent (the listener reads those). */
  static void assertFieldsOfFixture(String fixture, String arrayKey, JsonObject ours) throws Exception {
    JsonObject expected;
    try (var in = PostgresCollectorsTest.class.getResourceAsStream("/" + fixture)) {
      assertNotNull(in, fixture);
      expected = new JsonObject(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
    Set<String> names = expected.getJsonObject("data").getJsonArray(arrayKey).getJsonObject(0).fieldNames();
    for (String name : names) {
      assertTrue(ours.containsKey(name), fixture + " field " + name + " missing from " + ours.fieldNames());
    }
    assertNull(null);
  }
}
