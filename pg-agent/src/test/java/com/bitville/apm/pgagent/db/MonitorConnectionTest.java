package com.bitville.apm.pgagent.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TestConfigs;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MonitorConnectionTest {

  private static PgServer pg;
  private static Vertx vertx;
  private static Context context;
  private static AgentConfig.Database config;

  @BeforeAll
  static void startServer() throws Exception {
    pg = PgServer.start();
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    var json = TestConfigs.base(pg.port(), "postgres", "https://127.0.0.1:1/ingest/postgres",
        com.bitville.apm.pgagent.support.TempDirs.create("pgagent-state-"));
    // a backoff long enough that "fails fast while backing off" cannot race the clock on a slow machine
    json.getJsonObject("database").put("backoff_initial_ms", 2000).put("backoff_max_ms", 4000);
    config = TestConfigs.config(json).database();
  }

  @AfterAll
  static void stopServer() {
    vertx.close();
    pg.close();
  }

  @Test
  @DisplayName("The agent's session carries its own name, every timeout and read-only transactions")
  void sessionIsLimited() {
    MonitorConnection db = new MonitorConnection(vertx, config);
    assertEquals("bitville-pg-agent", show(db, "application_name"));
    assertEquals("2s", show(db, "statement_timeout"));
    assertEquals("500ms", show(db, "lock_timeout"));
    assertEquals("5s", show(db, "idle_in_transaction_session_timeout"));
    assertEquals("on", show(db, "transaction_read_only"));
    Throwable write = Sql.failureOn(context, () -> db.query("CREATE TABLE agent_must_not_write (i int)"));
    assertInstanceOf(PgException.class, write);
    assertEquals("25006", ((PgException) write).getSqlState(), "read-only transaction refused the write");
    Sql.on(context, db::close);
  }

  @Test
  @DisplayName("A statement over statement_timeout is cancelled by the server and the session stays usable")
  void statementTimeout() {
    MonitorConnection db = new MonitorConnection(vertx, config);
    Throwable slow = Sql.failureOn(context, () -> db.query("SELECT pg_sleep(5)"));
    assertEquals("57014", ((PgException) slow).getSqlState());
    assertEquals("on", show(db, "transaction_read_only"));
    assertEquals(1, db.openedCount());
    Sql.on(context, db::close);
  }

  @Test
  @DisplayName("Many concurrent queries share one session, and a second open is refused")
  void oneConnectionOnly() {
    MonitorConnection db = new MonitorConnection(vertx, config);
    Sql.on(context, () -> {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(db.query("SELECT pg_sleep(0.01)"));
      }
      return Future.all(all);
    });
    PgConnection observer = Sql.connect(vertx, pg.port(), "postgres", "observer");
    long sessions = Sql.run(observer, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
        + "'bitville-pg-agent'").iterator().next().getLong(0);
    assertEquals(1, sessions);
    assertEquals(1, db.openedCount());
    Throwable second = Sql.failureOn(context, db::open);
    assertInstanceOf(IllegalStateException.class, second);
    Sql.await(observer.close());
    Sql.on(context, db::close);
  }

  @Test
  @DisplayName("While the database is down attempts back off, and the agent reconnects when it is back")
  void downAndUp() throws Exception {
    MonitorConnection db = new MonitorConnection(vertx, config);
    assertEquals("on", show(db, "transaction_read_only"));
    pg.stopServer();
    try {
      Throwable first = Sql.failureOn(context, () -> db.query("SELECT 1"));
      assertNotNull(first);
      Throwable second = Sql.failureOn(context, () -> db.query("SELECT 1"));
      assertInstanceOf(DatabaseUnavailableException.class, second, "fails fast during backoff: " + second);
      assertTrue(!db.isConnected());
    } finally {
      pg.startServer();
    }
    Sql.eventually(15_000, "reconnect after restart",
        () -> Sql.failureOn(context, () -> db.query("SELECT 1")) == null);
    assertEquals(2, db.openedCount());
    assertNull(Sql.failureOn(context, () -> db.query("SELECT 1")));
    Sql.on(context, db::close);
  }

  private static String show(MonitorConnection db, String setting) {
    return Sql.on(context, () -> db.query("SHOW " + setting)).iterator().next().getString(0);
  }
}
