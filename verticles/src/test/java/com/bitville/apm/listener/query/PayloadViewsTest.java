package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.pg.PgEnvelopeView;
import com.bitville.apm.shared.pg.PgSources;
import com.bitville.apm.shared.php.PhpPayloadView;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The payload views read the agents' layouts once, for the detail's named fields, the timeline and GELF. */
class PayloadViewsTest {

  private static JsonObject php(String name) {
    return new JsonObject(Fixtures.read("fixtures/php-agent/wire/" + name + ".json"));
  }

  @Test
  @DisplayName("The detail's named fields of a captured request: PHP version, SAPI, headers, parameters, flame edges")
  void namedFieldsOfARequest() {
    JsonObject fields = RecordViews.payloadFields(PhpPayloadView.of(php("slow_get")));
    assertNull(fields.getValue("fatal_error"));
    assertEquals("8.2.36", fields.getString("php_version"));
    assertEquals("cli", fields.getString("sapi"));
    assertEquals("shop.example.com", fields.getJsonObject("headers").getString("Host"));
    assertEquals("2", fields.getJsonObject("get").getString("page"));
    assertNull(fields.getValue("post"), "the agent sends an empty POST as [], not an object");
    JsonArray edges = fields.getJsonArray("flame_edges");
    assertEquals(40, edges.size(), "one edge per top function the agent sent");
    JsonObject query = edges.stream().map(JsonObject.class::cast)
        .filter(e -> "Phalcon\\Db\\Adapter\\Pdo\\Postgresql::query".equals(e.getString("callee"))).findFirst()
        .orElseThrow();
    assertEquals("App\\Repositories\\Repository::q", query.getString("caller"));
    assertEquals(47L, query.getLong("calls"));
    assertTrue(edges.stream().map(JsonObject.class::cast).anyMatch(e -> e.getValue("caller") == null), "a root");
  }

  @Test
  @DisplayName("A fatal request's error by name; a request without XHProf or SQL data says so")
  void fatalAndMissingData() {
    PhpPayloadView fatal = PhpPayloadView.of(php("fatal"));
    assertEquals("/var/www/project/site/lib/App.php", fatal.fatalError().file());
    assertEquals(570, fatal.fatalError().line());
    assertTrue(fatal.fatalError().message().startsWith("Uncaught Error: Call to undefined function"));
    PhpPayloadView none = PhpPayloadView.of(php("nosql_noxhprof"));
    assertFalse(none.hasXhprof());
    assertFalse(none.hasSql());
    assertEquals(0, none.flameEdges().size());
    assertEquals(1795457878.754915, none.startSeconds());
    PhpPayloadView empty = PhpPayloadView.of(new JsonObject().put("xhprof", "not an object").put("server", 3));
    assertNull(empty.phpVersion());
    assertNull(empty.fatalError());
    assertNull(empty.startSeconds());
    assertEquals(0, empty.profile().functions().size());
  }

  @Test
  @DisplayName("The pg-agent envelope view: items by source, the ones naming a request, blocking locks, host")
  void envelopes() {
    JsonObject locks = new JsonObject(Fixtures.pg("pg_locks.json"));
    PgEnvelopeView view = PgEnvelopeView.of(PgSources.LOCKS, locks);
    assertEquals("locks", view.itemsKey());
    assertTrue(view.hasBlockingLocks());
    assertEquals(view.data().getJsonArray("locks").size(), view.itemsMentioning(null).size());
    JsonObject activity = new JsonObject(Fixtures.pg("pg_stat_activity.json"));
    JsonArray mine = PgEnvelopeView.of(PgSources.ACTIVITY, activity).itemsMentioning(
        Fixtures.SLOW_GET_CORRELATION.toUpperCase(java.util.Locale.ROOT));
    assertEquals(2, mine.size(), "the session by application_name and the one by comment, in any case");
    PgEnvelopeView.Session session = PgEnvelopeView.session(mine.getJsonObject(0));
    assertNotNull(session.pid());
    assertEquals("db-1", PgEnvelopeView.of("pg_log", new JsonObject().put("host", "db-1")).host());
    assertEquals(1_763_920_630_512L, PgEnvelopeView.logMs("2025-11-23 17:57:10.512"));
    assertEquals(1_763_920_630_512L, PgEnvelopeView.isoMs("2025-11-23T18:57:10.512+01:00"));
  }

  @Test
  @DisplayName("Inflating a payload on an event loop is refused: the query side inflates on worker threads only")
  void noInflationOnTheEventLoop() throws Exception {
    JsonObject row = new JsonObject().put("id", 1L).put("payload", PayloadCodec.compress("{\"a\":1}"));
    assertEquals(1, RecordViews.inflate(row).getJsonObject("payload").getInteger("a"), "fine on this thread");
    Vertx vertx = Vertx.vertx();
    try {
      java.util.concurrent.CompletableFuture<Throwable> seen = new java.util.concurrent.CompletableFuture<>();
      vertx.runOnContext(v -> {
        try {
          RecordViews.inflate(row);
          seen.complete(null);
        } catch (AssertionError e) {
          seen.complete(e);
        }
      });
      Throwable refused = seen.get(30, TimeUnit.SECONDS);
      assertNotNull(refused, "inflate ran on an event loop without complaint");
      assertTrue(refused.getMessage().contains("worker thread"), refused.getMessage());
    } finally {
      vertx.close().await();
    }
  }
}
