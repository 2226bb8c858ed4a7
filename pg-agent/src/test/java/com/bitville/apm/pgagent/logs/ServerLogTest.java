package com.bitville.apm.pgagent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.collect.EnvelopeFactory;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tails the real server log in each format through rotation by rename (pg_rotate_logfile) and copytruncate. */
class ServerLogTest {

  private static PgServer pg;
  private static Vertx vertx;
  private static Context context;
  private static PgConnection sql;

  @BeforeAll
  static void startServer() throws Exception {
    pg = PgServer.start();
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    sql = Sql.connect(vertx, pg.port(), "postgres", "log-workload");
  }

  @AfterAll
  static void stopServer() {
    vertx.close();
    pg.close();
  }

  private static final class Tail {
    final LogCollector collector;
    final MonitorConnection db;
    final List<JsonObject> entries = new ArrayList<>();

    Tail(String format, Path offsets) {
      JsonObject json;
      try {
        json = TestConfigs.base(pg.port(), "postgres", "https://127.0.0.1:1/x", offsets.getParent());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      json.getJsonObject("logs").put("formats", format == null ? new JsonArray() : new JsonArray().add(format))
          .put("offsets_file", offsets.toString()).put("settings_check_ms", 500);
      AgentConfig config = TestConfigs.config(json);
      db = new MonitorConnection(vertx, config.database());
      collector = new LogCollector(vertx, db, config.logs(), new EnvelopeFactory("shop", "h"));
    }

    void poll() {
      for (PgEnvelope envelope : Sql.on(context, collector::sample)) {
        assertEquals("pg_log", envelope.source());
        envelope.data().getJsonArray("entries").forEach(e -> entries.add((JsonObject) e));
      }
    }

    JsonObject await(String what, java.util.function.Predicate<JsonObject> match) throws InterruptedException {
      JsonObject[] found = new JsonObject[1];
      Sql.eventually(10_000, what, () -> {
        poll();
        found[0] = entries.stream().filter(match).findFirst().orElse(null);
        return found[0] != null;
      });
      return found[0];
    }

    long count(String text) {
      return entries.stream().filter(e -> e.encode().contains(text)).count();
    }

    void close() {
      Sql.on(context, db::close);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"stderr", "csvlog", "jsonlog"})
  @DisplayName("Log entries are classified, stitched, redacted and correlated; rotation and restarts lose nothing")
  void tailsFormat(String format) throws Exception {
    Assumptions.assumeTrue(!format.equals("jsonlog") || pg.majorVersion() >= 15, "jsonlog needs PostgreSQL 15");
    Path offsets = com.bitville.apm.pgagent.support.TempDirs.create("pgagent-logs-").resolve("offsets.json");
    Tail tail = new Tail(format, offsets);
    tail.poll(); // positions at the end of the current file
    String slowId = UUID.randomUUID().toString();
    String errorId = UUID.randomUUID().toString();
    Sql.run(sql, "SELECT pg_sleep(0.15),\n  'second line' /* correlation:" + slowId + " */");
    Sql.failing(sql, "SELECT 1/0 AS boom /* correlation:" + errorId + " */");
    Sql.run(sql, "ALTER ROLE postgres PASSWORD 'supersecret-" + format + "'");

    JsonObject slow = tail.await("slow statement", e -> slowId.equals(e.getString("correlation_id"))
        && "slow_statement".equals(e.getString("category")));
    assertTrue(slow.getDouble("duration_ms") >= 100, slow.encode());
    assertTrue(slow.getString("statement").contains("second line"), "multi-line statement stitched: " + slow);
    assertEquals("postgres", slow.getString("user"));
    assertEquals("postgres", slow.getString("database"));
    JsonObject error = tail.await("division error", e -> "ERROR".equals(e.getString("level"))
        && e.getString("message").contains("division by zero"));
    assertEquals("error", error.getString("category"));
    assertTrue(error.getString("statement", "").contains("1/0"), "STATEMENT attached: " + error);
    assertEquals(errorId, error.getString("correlation_id"));
    tail.await("redacted password", e -> e.encode().contains("ALTER ROLE postgres PASSWORD '***'"));
    assertEquals(0, tail.count("supersecret"), "the password never leaves the host");

    String beforeRotation = marker(tail, "before-rotation");
    Thread.sleep(1100); // log_filename has one-second resolution
    Sql.run(sql, "SELECT pg_rotate_logfile()");
    String afterRotation = marker(tail, "after-rotation");
    assertEquals(1, tail.count(beforeRotation));
    assertEquals(1, tail.count(afterRotation));

    copyTruncate(format);
    String afterTruncate = marker(tail, "after-copytruncate");
    assertEquals(1, tail.count(afterTruncate));

    tail.close();
    String whileStopped = logMarker("while-agent-stopped");
    Tail restarted = new Tail(format, offsets);
    restarted.await("marker written while stopped", e -> e.encode().contains(whileStopped));
    assertEquals(0, restarted.count(afterTruncate), "nothing read before the restart is sent again");
    assertEquals(1, restarted.count(whileStopped));
    restarted.close();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"stderr", "csvlog", "jsonlog"})
  @DisplayName("Log lines written in a non-UTC log_timezone carry their true UTC time")
  void nonUtcLogTimezone(String format) throws Exception {
    Assumptions.assumeTrue(!format.equals("jsonlog") || pg.majorVersion() >= 15, "jsonlog needs PostgreSQL 15");
    Sql.run(sql, "ALTER SYSTEM SET log_timezone = 'Europe/Berlin'");
    Sql.run(sql, "SELECT pg_reload_conf()");
    try {
      Path offsets = com.bitville.apm.pgagent.support.TempDirs.create("pgagent-tz-").resolve("offsets.json");
      Tail tail = new Tail(format, offsets);
      tail.poll();
      Sql.eventually(10_000, "the reload reached this session", () -> "Europe/Berlin".equals(
          Sql.run(sql, "SHOW log_timezone").iterator().next().getString(0)));
      long before = System.currentTimeMillis();
      String text = logMarker("berlin-time");
      long after = System.currentTimeMillis();
      JsonObject entry = tail.await("marker in Berlin time", e -> e.encode().contains(text));
      java.time.Instant utc = java.time.Instant.parse(entry.getString("timestamp_utc"));
      assertTrue(utc.toEpochMilli() >= before - 2_000 && utc.toEpochMilli() <= after + 2_000,
          "true time " + utc + " between " + java.time.Instant.ofEpochMilli(before) + " and "
              + java.time.Instant.ofEpochMilli(after) + "; logged " + entry.getString("timestamp") + " "
              + entry.getString("timezone"));
      java.time.ZoneOffset berlin = java.time.ZoneId.of("Europe/Berlin").getRules().getOffset(utc);
      assertEquals(utc.atOffset(berlin).toLocalDateTime().toString().substring(0, 16),
          entry.getString("timestamp").replace(' ', 'T').substring(0, 16), "the local time as the server wrote it");
      tail.close();
    } finally {
      Sql.run(sql, "ALTER SYSTEM RESET log_timezone");
      Sql.run(sql, "SELECT pg_reload_conf()");
    }
  }

  @org.junit.jupiter.api.Test
  @DisplayName("A reloaded server's new log destination is followed without a restart of the agent")
  void followsLogDestinationChange() throws Exception {
    String original = Sql.run(sql, "SHOW log_destination").iterator().next().getString(0);
    Sql.run(sql, "ALTER SYSTEM SET log_destination = 'stderr'");
    Sql.run(sql, "SELECT pg_reload_conf()");
    try {
      Sql.eventually(10_000, "stderr only", () -> "stderr".equals(
          Sql.run(sql, "SHOW log_destination").iterator().next().getString(0)));
      Tail tail = new Tail(null, com.bitville.apm.pgagent.support.TempDirs.create("pgagent-switch-")
          .resolve("offsets.json"));
      tail.poll();
      String before = marker(tail, "before-switch");
      assertEquals("stderr", tail.entries.stream().filter(e -> e.encode().contains(before)).findFirst()
          .orElseThrow().getString("format"));

      Sql.run(sql, "ALTER SYSTEM SET log_destination = 'stderr,csvlog'");
      Sql.run(sql, "SELECT pg_reload_conf()");
      Sql.eventually(10_000, "csvlog added", () -> "stderr,csvlog".equals(
          Sql.run(sql, "SHOW log_destination").iterator().next().getString(0)));
      String[] after = new String[1];
      Sql.eventually(20_000, "a marker written after the reload arrives from the csv log", () -> {
        after[0] = logMarker("after-switch");
        try {
          Thread.sleep(700);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        tail.poll();
        return tail.entries.stream().anyMatch(e -> e.encode().contains(after[0])
            && "csvlog".equals(e.getString("format")));
      });
      assertEquals(1, tail.count(before), "nothing read twice across the switch");
      assertEquals(1, tail.count(after[0]));
      tail.entries.stream().filter(e -> e.getString("message", "").startsWith("received SIGHUP"))
          .forEach(e -> assertEquals("received SIGHUP, reloading configuration files", e.getString("message"),
              "nothing stitched onto the reload entry"));
      tail.close();
    } finally {
      Sql.run(sql, "ALTER SYSTEM SET log_destination = '" + original + "'");
      Sql.run(sql, "SELECT pg_reload_conf()");
      Sql.eventually(10_000, "destinations restored", () -> original.equals(
          Sql.run(sql, "SHOW log_destination").iterator().next().getString(0)));
    }
  }

  private static String marker(Tail tail, String name) throws InterruptedException {
    String text = logMarker(name);
    tail.await(name, e -> e.encode().contains(text));
    return text;
  }

  /** A slow statement with a unique text, so it appears in the log exactly once. */
  private static String logMarker(String name) {
    String text = name + "-" + UUID.randomUUID();
    Sql.run(sql, "SELECT pg_sleep(0.11), '" + text + "'");
    return text;
  }

  /** What logrotate's copytruncate does: copy the live file away, then cut it to zero while the server writes on. */
  private static void copyTruncate(String format) throws Exception {
    String suffix = switch (format) {
      case "csvlog" -> ".csv";
      case "jsonlog" -> ".json";
      default -> ".log";
    };
    Path live;
    try (Stream<Path> files = Files.list(pg.logDir())) {
      live = files.filter(p -> p.toString().endsWith(suffix))
          .max(Comparator.comparing(p -> p.getFileName().toString())).orElseThrow();
    }
    Files.copy(live, live.resolveSibling(live.getFileName() + ".1"));
    try (FileChannel channel = FileChannel.open(live, StandardOpenOption.WRITE)) {
      channel.truncate(0);
    }
    assertFalse(Files.size(live) > 1000, "truncated");
  }
}
