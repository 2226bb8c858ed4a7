package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.listener.tools.simulate.Incident;
import com.bitville.apm.listener.tools.simulate.Scenario;
import com.bitville.apm.listener.tools.simulate.ScenarioSender;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Four hours of a simulated shop with one incident of every kind, sent through the real ingest endpoints of a
 * real listener; the rollup verticle rolls them up; the API must find each incident as a spike, rank its true
 * culprit first in the list where it belongs, name it in the summary, and find nothing in the quiet hours.
 */
class SpikeAnalysisTest {

  private static final long CATCH_UP_DEADLINE_MS = 300_000;
  private static TestListener listener;
  private static Vertx vertx;
  private static ApiSession shop;
  private static Scenario scenario;
  private static JsonArray spikes;

  @BeforeAll
  static void sendScenario() throws Exception {
    listener = TestListener.start(new JsonObject().put("ingest", new JsonObject().put("rateLimit",
        new JsonObject().put("perKeyPerSecond", 100_000).put("perClientPerSecond", 100_000))));
    vertx = Vertx.vertx();
    scenario = Scenario.plan(11, "shop", 4, System.currentTimeMillis() - 2 * Scenario.MINUTE_MS, 1,
        Arrays.asList(Incident.Kind.values()));
    new ScenarioSender(listener.httpsClient(vertx), TestListener.SHOP_KEY).send(scenario);
    shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
    long deadline = System.currentTimeMillis() + CATCH_UP_DEADLINE_MS;
    while (shop.json("/api/overview?project=shop&step=1h").getLong("rollup_backlog") > 0) {
      assertTrue(System.currentTimeMillis() < deadline, "rollups did not catch up in time");
      Thread.sleep(200);
    }
    spikes = shop.json("/api/spikes?project=shop&step=1m&from=" + scenario.fromMs() + "&to=" + scenario.toMs())
        .getJsonArray("spikes");
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      Await.result(vertx.close());
    }
    if (listener != null) {
      listener.close();
    }
  }

  static Stream<Incident> incidents() {
    return Scenario.plan(11, "shop", 4, System.currentTimeMillis(), 1, Arrays.asList(Incident.Kind.values()))
        .incidents().stream();
  }

  @ParameterizedTest
  @MethodSource("incidents")
  void eachIncidentIsASpikeWhoseAnalysisRanksItsCulpritFirst(Incident planned) throws Exception {
    Incident incident = scenario.incidents().stream().filter(i -> i.kind() == planned.kind()).findFirst()
        .orElseThrow();
    JsonObject spike = spikes.stream().map(s -> (JsonObject) s)
        .filter(s -> s.getLong("from") <= incident.fromMs() + Scenario.MINUTE_MS
            && s.getLong("to") >= incident.toMs() - Scenario.MINUTE_MS)
        .findFirst().orElse(null);
    assertNotNull(spike, incident.kind() + " " + incident.fromMs() + ".." + incident.toMs() + " not covered by "
        + spikes.encodePrettily());
    JsonObject analysis = shop.json("/api/analysis?project=shop&from=" + spike.getLong("from") + "&to="
        + spike.getLong("to"));
    System.out.println(incident.kind() + " spike " + spike.encode() + "\n" + summary(analysis));
    JsonObject top = analysis.getJsonArray(incident.list()).getJsonObject(0);
    assertEquals(incident.value(), top.getString(incident.key()), incident.kind() + ": first of "
        + incident.list() + " is " + top.encode() + "\nsummary: " + summary(analysis));
    assertTrue(summary(analysis).contains(incident.mention()), incident.kind() + ": the summary names "
        + incident.mention() + ":\n" + summary(analysis));
    assertTrue(analysis.getJsonArray("summary").stream().map(s -> (JsonObject) s)
        .anyMatch(s -> s.getJsonArray("evidence").stream().map(e -> (JsonObject) e)
            .anyMatch(e -> e.getMap().containsValue(incident.value()))), "the culprit's claim links its evidence");
    if (incident.kind() == Incident.Kind.MISSING_INDEX) {
      JsonObject statement = analysis.getJsonArray("db_statements").getJsonObject(0);
      assertTrue(statement.getString("query").contains("\"customers\".\"email\" = $1"),
          "seen on the database side too: " + statement.encode());
    }
  }

  private static String summary(JsonObject analysis) {
    return analysis.getJsonArray("summary").stream().map(s -> ((JsonObject) s).getString("text"))
        .collect(Collectors.joining("\n"));
  }

  @Test
  void theFlameGraphOfAWindowHoldsTheSlowFunctionUnderItsCaller() throws Exception {
    Incident slow = scenario.incidents().stream().filter(i -> i.kind() == Incident.Kind.SLOW_FUNCTION).findFirst()
        .orElseThrow();
    JsonObject flame = shop.json("/api/flamegraph?project=shop&from=" + slow.fromMs() + "&to=" + slow.toMs());
    JsonArray edges = flame.getJsonArray("edges");
    assertTrue(flame.getLong("requests") > 100, flame.encode().substring(0, 200));
    assertEquals("App\\Http\\Kernel::handle", edges.getJsonObject(0).getString("callee"), "the root comes first");
    JsonObject discounts = edges.stream().map(e -> (JsonObject) e)
        .filter(e -> slow.value().equals(e.getString("callee"))
            && "App\\Services\\CatalogService::productView".equals(e.getString("caller")))
        .findFirst().orElseThrow();
    assertTrue(discounts.getDouble("wall_ms") > 0.5 * edges.getJsonObject(0).getDouble("wall_ms"),
        "the slow function holds most of the window's time: " + discounts.encode());
  }

  @Test
  void aNewRequestIsRolledUpSecondsAfterItsCommit() throws Exception {
    long now = System.currentTimeMillis();
    String uri = "/api/overview?project=shop&step=1m&from=" + (now - 300_000) + "&to=" + (now + 120_000);
    long before = shop.json(uri).getJsonArray("points").stream().mapToLong(p -> ((JsonObject) p).getLong("requests"))
        .sum();
    JsonObject payload = com.bitville.apm.listener.testsupport.Fixtures.phpJson("wire/slow_get.json")
        .put("correlation_id", "0f1e2d3c-0000-4000-8000-00000000f00d").put("timestamp", now / 1000.0);
    int status = Await.result(listener.httpsClient(vertx).post("/ingest/php").putHeader("Authorization", "Bearer "
        + TestListener.SHOP_KEY).sendJsonObject(payload)).statusCode();
    assertEquals(200, status);
    long committed = System.nanoTime();
    long deadline = committed + 60_000_000_000L;
    long after = before;
    while (after == before && System.nanoTime() < deadline) {
      Thread.sleep(50);
      after = shop.json(uri).getJsonArray("points").stream().mapToLong(p -> ((JsonObject) p).getLong("requests"))
          .sum();
    }
    assertEquals(before + 1, after);
    System.out.printf("rolled up %.2f s after the commit%n", (System.nanoTime() - committed) / 1e9);
  }

  @Test
  void quietHoursProduceNoSpike() {
    for (Object item : spikes) {
      JsonObject spike = (JsonObject) item;
      boolean explained = scenario.incidents().stream().anyMatch(i -> spike.getLong("from") < i.toMs()
          + 5 * Scenario.MINUTE_MS && i.fromMs() < spike.getLong("to"));
      assertTrue(explained, "a spike outside every incident: " + spike.encode());
    }
    assertEquals(scenario.incidents().size(), spikes.size(), spikes.encodePrettily());
  }

  @Test
  void overviewHasEveryIntervalAndTheSignalsOfAnIncident() throws Exception {
    Incident lock = scenario.incidents().stream().filter(i -> i.kind() == Incident.Kind.LOCK_PILEUP).findFirst()
        .orElseThrow();
    JsonObject overview = shop.json("/api/overview?project=shop&step=1m&from=" + (lock.fromMs() - 30 * 60_000)
        + "&to=" + lock.toMs());
    JsonArray points = overview.getJsonArray("points");
    assertEquals(36, points.size());
    assertEquals(60_000, overview.getLong("step_ms"));
    assertEquals(500.0, overview.getDouble("php_threshold_ms"));
    JsonObject quiet = points.getJsonObject(0);
    JsonObject during = points.getJsonObject(33);
    assertTrue(during.getDouble("db_blocked") > quiet.getDouble("db_blocked") + 1, during.encode());
    assertTrue(during.getDouble("p95_ms") > 2 * quiet.getDouble("p95_ms"), during.encode());
    assertTrue(during.getDouble("sql_time_ms") > 3 * quiet.getDouble("sql_time_ms"), during.encode());
    assertNotNull(quiet.getDouble("host_load"));
    assertTrue(overview.getLong("caught_up_to_ms") >= scenario.toMs());
  }

  @Test
  void rightsParametersAndBaselinesAreChecked() throws Exception {
    String window = "&from=" + (scenario.toMs() - 3_600_000) + "&to=" + scenario.toMs();
    assertEquals(400, shop.get("/api/analysis?from=1&to=2").statusCode(), "project is required");
    assertEquals(403, shop.get("/api/overview?project=other").statusCode());
    ApiSession other = ApiSession.of(listener.queryClient(vertx), TestListener.OTHER_USER);
    assertEquals(403, other.get("/api/analysis?project=shop" + window).statusCode());
    assertEquals(401, Await.result(listener.queryClient(vertx).get("/api/spikes?project=shop").send()).statusCode());
    assertEquals(400, shop.get("/api/analysis?project=shop" + window + "&baseline_from=" + (scenario.toMs()
        - 1_800_000) + "&baseline_to=" + (scenario.toMs() + 60_000)).statusCode(), "overlapping baseline");
    assertEquals(400, shop.get("/api/overview?project=shop&step=30s").statusCode());
    assertEquals(400, shop.get("/api/overview?project=shop&bogus=1").statusCode());
    JsonObject yesterday = shop.json("/api/analysis?project=shop&baseline=yesterday" + window);
    assertEquals(scenario.toMs() - 3_600_000 - 86_400_000L, yesterday.getJsonObject("baseline").getLong("from"));
    JsonObject before = shop.json("/api/analysis?project=shop" + window);
    assertEquals(scenario.toMs() - 7_200_000, before.getJsonObject("baseline").getLong("from"));
    assertEquals(scenario.toMs() - 3_600_000, before.getJsonObject("baseline").getLong("to"));
    for (String list : List.of("routes", "hosts", "functions", "sql", "db_statements")) {
      JsonArray items = before.getJsonArray(list);
      assertFalse(items.isEmpty(), list);
      for (int i = 1; i < items.size(); i++) {
        assertTrue(items.getJsonObject(i - 1).getDouble("added_ms") >= items.getJsonObject(i).getDouble("added_ms"),
            list + " sorted by added_ms");
      }
    }
  }
}
