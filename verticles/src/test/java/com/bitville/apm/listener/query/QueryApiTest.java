package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Query API over HTTPS against a real SQLite filled from the fixtures through the real ingest")
class QueryApiTest {

  /** Five days before the captures (moved like them, see {@link Fixtures#stampedMillis}). */
  static final long PAGING_TIME_S = Fixtures.stampedMillis(1_795_000_000_000L) / 1000;
  static final int PAGING_COUNT = 7;
  /** Equal pairs, and values that differ only beyond a float's 7 digits: ties and near-ties for the cursor. */
  static final double[] PAGING_DURATIONS = {600.0, 600.0, 707.4129581451416, 707.4129581451417, 707.41296,
      707.4129581451416, 650.5};
  private static int pagingIndex;

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient ingest;
  private static WebClient query;
  private static ApiSession admin;
  private static ApiSession shop;
  private static ApiSession other;
  private static long slowGetId;
  private static long otherSlowGetId;

  @BeforeAll
  static void start() throws Exception {
    // many logins from 127.0.0.1 in this class: the per-client limit is loosened, the per-user one is tested
    listener = TestListener.start(new JsonObject().put("query", new JsonObject().put("login",
        new JsonObject().put("perClientBurst", 1000))));
    vertx = Vertx.vertx();
    ingest = listener.httpsClient(vertx);
    query = listener.queryClient(vertx);
    slowGetId = post("/ingest/php", TestListener.SHOP_KEY, Fixtures.php("wire/slow_get.json"));
    for (String name : List.of("wire/slow_post.json", "wire/fatal.json", "wire/nosql_noxhprof.json",
        "legacy-listener-schema.json")) {
      post("/ingest/php", TestListener.SHOP_KEY, Fixtures.php(name));
    }
    for (String name : Fixtures.PG_SINGLE) {
      post("/ingest/postgres", TestListener.SHOP_KEY, Fixtures.pg(name));
    }
    for (int i = 0; i < PAGING_COUNT; i++) {
      post("/ingest/php", TestListener.SHOP_KEY, pagingPayload().toBuffer());
    }
    otherSlowGetId = post("/ingest/php", TestListener.OTHER_KEY, Fixtures.php("wire/slow_get.json"));
    post("/ingest/postgres", TestListener.OTHER_KEY, Fixtures.pg("pg_stat_activity.json"));
    admin = ApiSession.of(query, TestListener.ADMIN_USER);
    shop = ApiSession.of(query, TestListener.SHOP_USER);
    other = ApiSession.of(query, TestListener.OTHER_USER);
  }

  /** Same second, same duration, distinct ids: the worst case for pagination tie-breaking. */
  static JsonObject pagingPayload() {
    JsonObject payload = Fixtures.phpJson("wire/nosql_noxhprof.json");
    payload.put("correlation_id", UUID.randomUUID().toString()).put("timestamp", PAGING_TIME_S + 0.5)
        .put("elapsed_ms", PAGING_DURATIONS[pagingIndex++ % PAGING_DURATIONS.length]);
    payload.getJsonObject("request").put("url", "https://shop.example.com/paging/list");
    return payload;
  }

  static long post(String path, String key, Buffer body) throws Exception {
    HttpResponse<Buffer> response = Await.result(ingest.post(path).putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json").sendBuffer(body));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("ids").getLong(0);
  }

  @AfterAll
  static void stop() throws Exception {
    ingest.close();
    query.close();
    Await.result(vertx.close());
    listener.close();
  }

  static List<Long> ids(JsonObject page) {
    List<Long> ids = new ArrayList<>();
    page.getJsonArray("items").forEach(item -> ids.add(((JsonObject) item).getLong("id")));
    return ids;
  }

  /** The oracle: the same filter written independently against the SQLite file. */
  static List<Long> expected(String where, Object... params) throws Exception {
    List<Long> ids = new ArrayList<>();
    for (Map<String, Object> row : listener.rows("SELECT id FROM records WHERE kind = 'php' AND " + where
        + " ORDER BY event_time_ms DESC, id DESC", params)) {
      ids.add(((Number) row.get("id")).longValue());
    }
    return ids;
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("Login: wrong password 401, missing CSRF header 403, no session 401, security headers and cookie flags")
  void login() throws Exception {
    assertEquals(401, ApiSession.login(query, TestListener.SHOP_USER, "wrong password!").statusCode());
    assertEquals(401, ApiSession.login(query, "nobody", "wrong password!").statusCode());
    HttpResponse<Buffer> noHeader = Await.result(query.post("/api/login")
        .sendJsonObject(new JsonObject().put("user", TestListener.SHOP_USER).put("password", TestListener.USER_PASSWORD)));
    assertEquals(403, noHeader.statusCode());
    assertEquals(401, Await.result(query.get("/api/requests").send()).statusCode());
    HttpResponse<Buffer> ok = ApiSession.login(query, TestListener.OTHER_USER, TestListener.USER_PASSWORD);
    String cookie = ok.headers().getAll("Set-Cookie").stream().filter(c -> c.startsWith("bitville_session="))
        .findFirst().orElseThrow();
    String flags = cookie.toLowerCase(java.util.Locale.ROOT);
    assertTrue(flags.contains("; httponly"), cookie);
    assertTrue(flags.contains("; secure"), cookie);
    assertTrue(flags.contains("; samesite=strict"), cookie);
    assertEquals(new JsonArray().add("other"), ok.bodyAsJsonObject().getJsonArray("projects"));
    HttpResponse<Buffer> page = Await.result(query.get("/").send());
    String csp = page.getHeader("Content-Security-Policy");
    assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), csp);
    assertEquals("nosniff", page.getHeader("X-Content-Type-Options"));
    assertEquals("DENY", page.getHeader("X-Frame-Options"));
    assertNull(page.getHeader("Access-Control-Allow-Origin"));
  }

  @Test
  @DisplayName("Logout ends the session: the old cookie no longer opens the API")
  void logout() throws Exception {
    ApiSession session = ApiSession.of(query, TestListener.SHOP_USER);
    assertEquals(200, session.get("/api/me").statusCode());
    assertEquals(204, Await.result(query.post("/api/logout").putHeader("Cookie", session.cookie)
        .putHeader(Auth.CSRF_HEADER, "1").send()).statusCode());
    assertEquals(401, session.get("/api/me").statusCode());
  }

  @Test
  @DisplayName("Login attempts are rate-limited per user with 429 and Retry-After")
  void loginRateLimit() throws Exception {
    int limited = 0;
    for (int i = 0; i < 12 && limited == 0; i++) {
      HttpResponse<Buffer> response = ApiSession.login(query, "brute-force-target", "guess-" + i);
      if (response.statusCode() == 429) {
        limited++;
        assertNotNull(response.getHeader("Retry-After"));
      } else {
        assertEquals(401, response.statusCode());
      }
    }
    assertEquals(1, limited, "the limiter must engage within 12 attempts");
  }

  @Test
  @DisplayName("Every list filter returns exactly the rows the same condition selects in SQLite")
  void everyFilter() throws Exception {
    Map<String, List<Long>> cases = new LinkedHashMap<>();
    cases.put("project=shop", expected("project = 'shop'"));
    cases.put("project=shop&route=" + enc("/orders"), expected("project = 'shop' AND route = '/orders'"));
    cases.put("project=shop&url=checkout", expected("project = 'shop' AND url LIKE '%checkout%'"));
    cases.put("project=shop&method=post", expected("project = 'shop' AND method = 'POST'"));
    cases.put("project=shop&status=3xx", expected("project = 'shop' AND status BETWEEN 300 AND 399"));
    cases.put("project=shop&status=200", expected("project = 'shop' AND status = 200"));
    cases.put("project=shop&status=300-302", expected("project = 'shop' AND status BETWEEN 300 AND 302"));
    cases.put("project=shop&host=web01", expected("project = 'shop' AND host = 'web01'"));
    cases.put("project=shop&min_duration=700", expected("project = 'shop' AND duration_ms >= 700"));
    cases.put("project=shop&max_duration=650", expected("project = 'shop' AND duration_ms <= 650"));
    cases.put("project=shop&correlation_id=" + Fixtures.SLOW_GET_CORRELATION,
        expected("project = 'shop' AND correlation_id = ?", Fixtures.SLOW_GET_CORRELATION));
    cases.put("project=shop&fatal=true", expected("project = 'shop' AND fatal = 1"));
    cases.put("project=shop&fatal=false", expected("project = 'shop' AND fatal = 0"));
    cases.put("project=shop&from=" + at(1795457876000L),
        expected("project = 'shop' AND event_time_ms >= " + at(1795457876000L)));
    cases.put("project=shop&to=" + java.time.Instant.ofEpochMilli(at(1795457877000L)),
        expected("project = 'shop' AND event_time_ms < " + at(1795457877000L)));
    cases.put("project=shop&from=" + at(1795457875000L) + "&to=" + at(1795457877000L) + "&method=GET",
        expected("project = 'shop' AND event_time_ms >= " + at(1795457875000L) + " AND event_time_ms < "
            + at(1795457877000L) + " AND "
            + "method = 'GET'"));
    long all = expected("project = 'shop'").size();
    for (Map.Entry<String, List<Long>> c : cases.entrySet()) {
      List<Long> got = ids(admin.json("/api/requests?limit=200&" + c.getKey()));
      assertEquals(c.getValue(), got, c.getKey());
      assertFalse(got.isEmpty(), "filter must select something: " + c.getKey());
      if (!c.getKey().equals("project=shop")) {
        assertTrue(got.size() < all || c.getKey().contains("fatal=false"), "filter must exclude something: "
            + c.getKey());
      }
    }
    List<Long> byDuration = ids(admin.json("/api/requests?project=shop&sort=duration&order=asc&limit=200"));
    List<Long> expectedByDuration = new ArrayList<>();
    for (Map<String, Object> row : listener.rows("SELECT id FROM records WHERE kind = 'php' AND project = 'shop' "
        + "ORDER BY duration_ms ASC, id ASC")) {
      expectedByDuration.add(((Number) row.get("id")).longValue());
    }
    assertEquals(expectedByDuration, byDuration);
  }

  @Test
  @DisplayName("Pagination across equal timestamps and equal durations neither skips nor repeats a row")
  void paginationTies() throws Exception {
    for (String sort : List.of("sort=time&order=desc", "sort=time&order=asc", "sort=duration&order=desc",
        "sort=duration&order=asc")) {
      List<Long> seen = new ArrayList<>();
      String cursor = null;
      for (int page = 0; page < 20; page++) {
        JsonObject body = admin.json("/api/requests?project=shop&route=" + enc("/paging/list") + "&limit=2&" + sort
            + (cursor == null ? "" : "&cursor=" + cursor));
        seen.addAll(ids(body));
        cursor = body.getString("next_cursor");
        if (cursor == null) {
          break;
        }
      }
      assertEquals(PAGING_COUNT, seen.size(), sort + " " + seen);
      assertEquals(PAGING_COUNT, seen.stream().distinct().count(), sort + " repeats " + seen);
      String order = sort.endsWith("asc") ? "ASC" : "DESC";
      String column = sort.contains("duration") ? "duration_ms" : "event_time_ms";
      List<Long> expectedOrder = new ArrayList<>();
      for (Map<String, Object> row : listener.rows("SELECT id FROM records WHERE kind = 'php' AND route = '/paging/list'"
          + " ORDER BY " + column + " " + order + ", id " + order)) {
        expectedOrder.add(((Number) row.get("id")).longValue());
      }
      assertEquals(expectedOrder, seen, "ties are broken by id in the sort direction: " + sort);
    }
  }

  @Test
  @DisplayName("Request detail: payload, functions with callers, SQL with N+1, correlated pg sessions, locks, logs, timeline")
  void detail() throws Exception {
    JsonObject body = shop.json("/api/requests/" + slowGetId);
    JsonObject request = body.getJsonObject("request");
    assertEquals("/orders", request.getString("route"));
    assertEquals(Fixtures.SLOW_GET_CORRELATION, request.getJsonObject("payload").getString("correlation_id"));
    JsonArray functions = body.getJsonArray("functions");
    JsonObject query = find(functions, "name", "Phalcon\\Db\\Adapter\\Pdo\\Postgresql::query");
    assertEquals(47L, query.getLong("calls"));
    assertEquals("App\\Repositories\\Repository::q", query.getJsonArray("callers").getJsonObject(0).getString("name"));
    JsonObject sql = body.getJsonObject("sql");
    assertEquals(47, sql.getJsonArray("statements").size());
    assertTrue(sql.getJsonArray("statements").getJsonObject(0).getString("text").startsWith("SELECT"));
    assertFalse(sql.getJsonArray("statements").getJsonObject(0).getJsonArray("stack").isEmpty());
    assertFalse(sql.getJsonArray("repeated").isEmpty(), "the 20x findByOrder loop is an N+1");
    assertTrue(sql.getJsonArray("repeated").getJsonObject(0).getInteger("count") >= 20);
    List<String> sources = new ArrayList<>();
    body.getJsonArray("related").forEach(r -> sources.add(((JsonObject) r).getString("source")));
    assertTrue(sources.containsAll(List.of("pg_stat_activity", "pg_locks", "pg_log")), sources.toString());
    JsonObject activity = find(body.getJsonArray("related"), "source", "pg_stat_activity");
    assertEquals(2, activity.getJsonArray("items").size(), "the session by application_name and the one by comment");
    List<String> kinds = new ArrayList<>();
    body.getJsonObject("timeline").getJsonArray("events").forEach(e -> kinds.add(((JsonObject) e).getString("kind")));
    assertTrue(kinds.containsAll(List.of("request", "session", "lock", "log")), kinds.toString());
    assertEquals(404, shop.get("/api/requests/999999").statusCode());
  }

  @Test
  @DisplayName("Correlation: the PHP request and the pg-agent records sharing the id, in time order")
  void correlation() throws Exception {
    JsonArray records = shop.json("/api/correlation/" + Fixtures.SLOW_GET_CORRELATION).getJsonArray("records");
    List<String> sources = new ArrayList<>();
    long previous = Long.MIN_VALUE;
    for (Object o : records) {
      JsonObject record = (JsonObject) o;
      sources.add(record.getString("source"));
      assertEquals("shop", record.getString("project"));
      assertTrue(record.getLong("event_time_ms") >= previous);
      previous = record.getLong("event_time_ms");
    }
    assertTrue(sources.containsAll(List.of("php", "pg_stat_activity", "pg_locks", "pg_log")), sources.toString());
  }

  @Test
  @DisplayName("Routes: exact stats for short windows, hourly for 24 h; histogram; comparison with percentile rank")
  void routesAndComparison() throws Exception {
    JsonObject exact = shop.json("/api/routes?project=shop&from=" + at(1795457800000L) + "&to=" + at(1795457900000L));
    assertFalse(exact.getBoolean("approximate"));
    JsonObject orders = find(exact.getJsonArray("routes"), "route", "/orders");
    assertEquals(2L, orders.getLong("count"));
    assertTrue(orders.getDouble("p50") <= orders.getDouble("p95") && orders.getDouble("p95") <= orders.getDouble("max"));
    JsonObject day = shop.json("/api/routes?project=shop&from=" + at(1795400000000L) + "&to=" + at(1795486400000L));
    assertTrue(day.getBoolean("approximate"));
    JsonObject ordersDay = find(day.getJsonArray("routes"), "route", "/orders");
    assertEquals(2L, ordersDay.getLong("count"));
    assertEquals(Fixtures.phpJson("wire/slow_get.json").getDouble("elapsed_ms"), ordersDay.getDouble("max"), 1e-3);
    assertEquals(orders.getDouble("max"), ordersDay.getDouble("max"), 1e-3);
    JsonObject histogram = shop.json("/api/routes/" + enc("/orders") + "/histogram?project=shop&from="
        + at(1795400000000L) + "&to=" + at(1795486400000L));
    assertEquals(2L, histogram.getLong("count"));
    // the baseline window ends at the request: the later /orders request (no xhprof, no SQL) has slow_get before it
    long later = ids(shop.json("/api/requests?project=shop&correlation_id=023fe250-1011-4d62-ac6e-8307551ed7d4"))
        .get(0);
    JsonObject comparison = shop.json("/api/requests/" + later + "/comparison?window=7d");
    assertEquals("/orders", comparison.getString("route"));
    assertEquals(0.0, comparison.getDouble("percentile_rank"), "slow_get (707 ms) is slower than this one (677 ms)");
    assertEquals(1L, comparison.getJsonObject("baseline").getLong("requests"), comparison.encodePrettily());
    assertEquals(Fixtures.phpJson("wire/slow_get.json").getDouble("elapsed_ms"),
        comparison.getJsonObject("baseline").getDouble("p50_ms"), 1e-3, "the baseline leaves the request itself out");
    assertNotNull(comparison.getDouble("percentile_rank"));
    assertNull(comparison.getValue("functions"), "this request has no XHProf data: unknown, not a difference");
    assertNull(comparison.getValue("sql"), "no SQL data: unknown");
    JsonObject withData = shop.json("/api/requests/" + slowGetId + "/comparison?window=7d");
    assertFalse(withData.getJsonArray("functions").isEmpty());
    assertFalse(withData.getJsonArray("sql").isEmpty());
  }

  @Test
  @DisplayName("Database views: sessions, locks, logs, statements and host metrics of the project")
  void database() throws Exception {
    for (String kind : List.of("sessions", "locks", "logs", "statements", "metrics")) {
      JsonArray records = shop.json("/api/database/" + kind + "?project=shop").getJsonArray("records");
      assertEquals(1, records.size(), kind);
      assertNotNull(records.getJsonObject(0).getJsonObject("data"), kind);
    }
    assertEquals(400, shop.get("/api/database/passwords?project=shop").statusCode());
  }

  @Test
  @DisplayName("Rights: a user of project 'other' never sees 'shop' through any endpoint")
  void rights() throws Exception {
    assertEquals(new JsonArray().add("other"), other.json("/api/projects").getJsonArray("projects"));
    assertEquals(List.of(otherSlowGetId), ids(other.json("/api/requests")));
    assertEquals(403, other.get("/api/requests?project=shop").statusCode());
    assertEquals(404, other.get("/api/requests/" + slowGetId).statusCode());
    assertEquals(404, other.get("/api/requests/" + slowGetId + "/comparison").statusCode());
    JsonObject own = other.json("/api/requests/" + otherSlowGetId);
    own.getJsonArray("related").forEach(r -> assertEquals("other", ((JsonObject) r).getString("project")));
    assertEquals(1, own.getJsonArray("related").size(), "only other's own pg_stat_activity record");
    other.json("/api/correlation/" + Fixtures.SLOW_GET_CORRELATION).getJsonArray("records")
        .forEach(r -> assertEquals("other", ((JsonObject) r).getString("project")));
    assertEquals(403, other.get("/api/routes?project=shop").statusCode());
    other.json("/api/routes?from=" + at(1795400000000L) + "&to=" + at(1795486400000L)).getJsonArray("routes")
        .forEach(r -> assertEquals("other", ((JsonObject) r).getString("project")));
    assertEquals(403, other.get("/api/routes/" + enc("/orders") + "/histogram?project=shop").statusCode());
    assertEquals(403, other.get("/api/database/locks?project=shop").statusCode());
    assertEquals(0, other.json("/api/database/locks").getJsonArray("records").size());
    assertEquals(List.of("shop"), shop.json("/api/me").getJsonArray("projects").getList());
    assertTrue(admin.json("/api/projects").getJsonArray("projects").getList().containsAll(List.of("shop", "other")));
  }

  @Test
  @DisplayName("Bad parameters are answered 400 with a message naming the parameter")
  void badParameters() throws Exception {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("/api/requests?limit=0", "limit");
    bad.put("/api/requests?limit=100000", "limit");
    bad.put("/api/requests?limit=ten", "limit");
    bad.put("/api/requests?from=yesterday", "from");
    bad.put("/api/requests?from=1795457877000&to=1795457876000", "from");
    bad.put("/api/requests?status=abc", "status");
    bad.put("/api/requests?status=500-400", "status");
    bad.put("/api/requests?method=G%20T", "method");
    bad.put("/api/requests?min_duration=-1", "min_duration");
    bad.put("/api/requests?min_duration=10&max_duration=5", "min_duration");
    bad.put("/api/requests?fatal=maybe", "fatal");
    bad.put("/api/requests?sql_fingerprint=XYZ", "sql_fingerprint");
    bad.put("/api/requests?sql_fingerprint=0123456789ABCDEF", "sql_fingerprint");
    bad.put("/api/requests?function=a%0Ab", "function");
    bad.put("/api/requests?sort=size", "sort");
    bad.put("/api/requests?order=up", "order");
    bad.put("/api/requests?cursor=not-a-cursor", "cursor");
    bad.put("/api/requests?min_durations=5", "min_durations");
    bad.put("/api/requests?limit=1&limit=2", "limit");
    bad.put("/api/requests/abc", "id");
    bad.put("/api/requests/1/comparison?window=forever", "window");
    bad.put("/api/routes?from=1&to=1795486400000", "window");
    bad.put("/api/routes/x/histogram", "project");
    bad.put("/api/database/locks?before=zz", "before");
    for (Map.Entry<String, String> c : bad.entrySet()) {
      HttpResponse<Buffer> response = admin.get(c.getKey());
      assertEquals(400, response.statusCode(), c.getKey() + " -> " + response.bodyAsString());
      assertEquals("bad_request", response.bodyAsJsonObject().getString("error"));
      assertTrue(response.bodyAsJsonObject().getString("message").contains(c.getValue()),
          c.getKey() + " -> " + response.bodyAsString());
    }
    String cursor = admin.json("/api/requests?project=shop&limit=1").getString("next_cursor");
    assertEquals(400, admin.get("/api/requests?project=shop&limit=1&sort=duration&cursor=" + cursor).statusCode());
  }

  static JsonObject find(JsonArray array, String key, String value) {
    for (Object o : array) {
      if (value.equals(((JsonObject) o).getString(key))) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no " + key + "=" + value + " in " + array.encode());
  }

  /** A capture-era time (Unix ms) moved like the stamped fixtures. */
  private static long at(long captureMillis) {
    return Fixtures.stampedMillis(captureMillis);
  }

  @Test
  @DisplayName("The list filtered by a SQL fingerprint or a function finds the requests that ran it, once rolled up")
  void filterBySqlFingerprintAndFunction() throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (shop.json("/api/overview?project=shop&step=1h").getLong("rollup_backlog") > 0) {
      assertTrue(System.currentTimeMillis() < deadline, "rollups did not catch up in time");
      Thread.sleep(100);
    }
    com.bitville.apm.shared.php.PhpProfile profile = com.bitville.apm.shared.php.PhpProfile.of(
        Fixtures.phpJson("wire/slow_get.json"));
    assertEquals(47, profile.queries().size());
    String fingerprint = profile.queries().get(0).fingerprint();
    String function = com.bitville.apm.listener.analysis.SelfTime.of(profile.functions()).stream()
        .filter(f -> f.selfUs() > 0).findFirst().orElseThrow().name();
    int all = shop.json("/api/requests?project=shop&limit=200").getJsonArray("items").size();
    for (String filter : List.of("sql_fingerprint=" + fingerprint,
        "function=" + URLEncoder.encode(function, StandardCharsets.UTF_8))) {
      JsonArray items = shop.json("/api/requests?project=shop&limit=200&" + filter).getJsonArray("items");
      List<Long> ids = items.stream().map(i -> ((JsonObject) i).getLong("id")).toList();
      assertTrue(ids.contains(slowGetId), filter + ": " + ids);
      assertFalse(ids.contains(otherSlowGetId), "another project's request stays out");
      assertTrue(items.size() < all, filter + " must leave out requests that did not run it");
      items.forEach(i -> assertFalse(((JsonObject) i).getString("url", "").contains("/paging/"),
          "a request without SQL or profile is not listed: " + i));
      long at = items.stream().map(i -> (JsonObject) i).filter(i -> i.getLong("id") == slowGetId).findFirst()
          .orElseThrow().getLong("event_time_ms");
      assertTrue(shop.json("/api/requests?project=shop&" + filter + "&from=" + at + "&to=" + (at + 1))
          .getJsonArray("items").stream().anyMatch(i -> ((JsonObject) i).getLong("id") == slowGetId));
      assertTrue(shop.json("/api/requests?project=shop&" + filter + "&from=" + (at + 1) + "&to=" + (at + 60_000))
          .getJsonArray("items").stream().noneMatch(i -> ((JsonObject) i).getLong("id") == slowGetId),
          "outside the window");
    }
    assertEquals(0, shop.json("/api/requests?project=shop&sql_fingerprint=ffffffffffffffff").getJsonArray("items")
        .size());
  }
}
