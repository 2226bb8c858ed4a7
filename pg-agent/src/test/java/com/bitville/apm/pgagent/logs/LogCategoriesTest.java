package com.bitville.apm.pgagent.logs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.collect.EnvelopeFactory;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A real server's lock waits, deadlock, backend crash with recovery, and shutdown, as categorized log entries. */
class LogCategoriesTest {

  private static PgServer pg;
  private static Vertx vertx;
  private static Context context;

  @BeforeAll
  static void startServer() throws Exception {
    pg = PgServer.start();
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stopServer() {
    vertx.close();
    pg.close();
  }

  @Test
  @DisplayName("Lock waits carry lock_wait_ms; deadlock, crash, recovery and shutdown lines have their categories")
  void incidentCategories() throws Exception {
    JsonObject json = TestConfigs.base(pg.port(), "postgres", "https://127.0.0.1:1/x", TempDirs.create("pgcat-"));
    json.getJsonObject("logs").put("formats", new JsonArray().add("stderr")).put("settings_check_ms", 500);
    AgentConfig config = TestConfigs.config(json);
    MonitorConnection db = new MonitorConnection(vertx, config.database());
    LogCollector collector = new LogCollector(vertx, db, config.logs(), new EnvelopeFactory("shop", "h"));
    List<JsonObject> entries = new CopyOnWriteArrayList<>();
    Runnable poll = () -> {
      for (PgEnvelope envelope : Sql.on(context, collector::sample)) {
        envelope.data().getJsonArray("entries").forEach(e -> entries.add((JsonObject) e));
      }
    };
    poll.run();

    PgConnection admin = Sql.connect(vertx, pg.port(), "postgres", "admin");
    Sql.run(admin, "CREATE TABLE t (id int PRIMARY KEY, v int)");
    Sql.run(admin, "INSERT INTO t VALUES (1, 0), (2, 0)");
    PgConnection a = Sql.connect(vertx, pg.port(), "postgres", "deadlock-a");
    PgConnection b = Sql.connect(vertx, pg.port(), "postgres", "deadlock-b");
    Sql.run(a, "BEGIN");
    Sql.run(b, "BEGIN");
    Sql.run(a, "UPDATE t SET v = 1 WHERE id = 1");
    Sql.run(b, "UPDATE t SET v = 1 WHERE id = 2");
    Future<?> aWaits = Sql.start(a, "UPDATE t SET v = 2 WHERE id = 2");
    Thread.sleep(400); // longer than deadlock_timeout (100 ms): "still waiting ... after" is logged
    Future<?> bWaits = Sql.start(b, "UPDATE t SET v = 2 WHERE id = 1");
    Sql.await(Future.join(aWaits, bWaits).otherwiseEmpty());
    Sql.await(Future.join(a.query("ROLLBACK").execute(), b.query("ROLLBACK").execute()).otherwiseEmpty());

    await(poll, entries, "lock wait with its duration", e -> "lock_wait".equals(e.getString("category"))
        && e.getDouble("lock_wait_ms", 0.0) >= 100);
    await(poll, entries, "detected deadlock while waiting", e -> "deadlock".equals(e.getString("category"))
        && e.getString("message").contains("detected deadlock while waiting") && e.containsKey("lock_wait_ms"));
    await(poll, entries, "deadlock detected error", e -> "deadlock".equals(e.getString("category"))
        && e.getString("message").contains("deadlock detected"));

    int victim = Sql.run(a, "SELECT pg_backend_pid()").iterator().next().getInteger(0);
    Process kill = new ProcessBuilder("kill", "-9", String.valueOf(victim)).start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
    await(poll, entries, "crash", e -> "crash".equals(e.getString("category"))
        && e.getString("message").contains("was terminated by signal 9"));
    await(poll, entries, "recovery", e -> "recovery".equals(e.getString("category"))
        && e.getString("message").contains("automatic recovery in progress"));
    await(poll, entries, "ready again", e -> "startup".equals(e.getString("category"))
        && e.getString("message").contains("database system is ready to accept connections"));

    pg.stopServer();
    await(poll, entries, "shutdown", e -> "shutdown".equals(e.getString("category"))
        && e.getString("message").contains("received fast shutdown request"));
    await(poll, entries, "shut down", e -> "shutdown".equals(e.getString("category"))
        && e.getString("message").contains("database system is shut down"));
    pg.startServer();
    Sql.on(context, db::close);
  }

  private static void await(Runnable poll, List<JsonObject> entries, String what, Predicate<JsonObject> match)
      throws InterruptedException {
    Sql.eventually(30_000, what + " in " + entries.stream().map(e -> e.getString("category") + ": "
        + e.getString("message")).toList(), () -> {
          poll.run();
          return entries.stream().anyMatch(match);
        });
  }
}
