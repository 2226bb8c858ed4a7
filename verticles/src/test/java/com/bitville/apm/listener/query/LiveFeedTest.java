package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Live feed over the SockJS bridge: only the projects of the logged-in user")
class LiveFeedTest {

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient ingest;
  private static WebClient query;
  private static WebSocketClient sockets;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start();
    vertx = Vertx.vertx();
    ingest = listener.httpsClient(vertx);
    query = listener.queryClient(vertx);
    sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(listener.certificate().toString())));
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(sockets.close());
    Await.result(vertx.close());
    listener.close();
  }

  /** A raw-WebSocket bridge client, as the UI uses it; frames land in the returned queue. */
  static WebSocket connect(String cookie, BlockingQueue<JsonObject> frames) throws Exception {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("localhost")
        .setPort(listener.queryPort()).setURI("/eventbus/websocket").setSsl(true)
        .addHeader("Origin", "https://localhost:" + listener.queryPort());
    if (cookie != null) {
      options.addHeader("Cookie", cookie);
    }
    WebSocket socket = Await.result(sockets.connect(options));
    socket.handler(data -> frames.add(new JsonObject(data)));
    return socket;
  }

  static void register(WebSocket socket, String project) throws Exception {
    Await.result(socket.writeTextMessage(new JsonObject().put("type", "register")
        .put("address", Addresses.LIVE_REQUESTS_PREFIX + project).encode()));
  }

  static void post(String key) throws Exception {
    assertEquals(200, Await.result(ingest.post("/ingest/php").putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json").sendBuffer(Fixtures.php("wire/slow_get.json"))).statusCode());
  }

  /** Next frame of {@code type}, skipping others; null after the deadline. */
  static JsonObject nextOfType(BlockingQueue<JsonObject> frames, String type, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      JsonObject frame = frames.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      if (frame != null && type.equals(frame.getString("type"))) {
        return frame;
      }
    }
    return null;
  }

  /** Next message frame ("rec" or "err"), skipping pongs and registration confirmations; null after the deadline. */
  static JsonObject nextRecord(BlockingQueue<JsonObject> frames, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      JsonObject frame = frames.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      if (frame != null && !"pong".equals(frame.getString("type")) && !"registered".equals(frame.getString("type"))) {
        return frame;
      }
    }
    return null;
  }

  @Test
  @DisplayName("A user of 'other' receives other's requests, is refused 'shop', and never sees a shop request")
  void onlyOwnProjects() throws Exception {
    ApiSession other = ApiSession.of(query, TestListener.OTHER_USER);
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    WebSocket socket = connect(other.cookie, frames);
    register(socket, "shop");
    Thread.sleep(300);
    post(TestListener.SHOP_KEY);
    JsonObject refused = nextRecord(frames, 1_500);
    assertTrue(refused == null || !"rec".equals(refused.getString("type")), "registration on shop must be refused: "
        + refused);
    register(socket, "other");
    JsonObject confirmed = nextOfType(frames, "registered", 10_000);
    assertEquals(Addresses.LIVE_REQUESTS_PREFIX + "other", confirmed == null ? null : confirmed.getString("address"),
        "the server confirms a registration once it is in effect");
    post(TestListener.SHOP_KEY);
    post(TestListener.OTHER_KEY);
    JsonObject received = nextRecord(frames, 10_000);
    assertEquals("rec", received.getString("type"), String.valueOf(received));
    assertEquals("other", received.getJsonObject("body").getString("project"));
    assertEquals("/orders", received.getJsonObject("body").getString("route"));
    post(TestListener.SHOP_KEY);
    JsonObject none = nextRecord(frames, 1_500);
    assertTrue(none == null, "no shop request may reach an 'other' user: " + none);
    socket.close();
  }

  @Test
  @DisplayName("Without a session the bridge refuses the socket; foreign origins are refused too")
  void anonymousRefused() throws Exception {
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    boolean refused;
    try {
      WebSocket socket = connect(null, frames);
      register(socket, "shop");
      post(TestListener.SHOP_KEY);
      JsonObject frame = nextRecord(frames, 2_000);
      refused = frame == null || !"rec".equals(frame.getString("type"));
      socket.close();
    } catch (Exception e) {
      refused = true;
    }
    assertTrue(refused, "an anonymous socket must not receive records");
    ApiSession shop = ApiSession.of(query, TestListener.SHOP_USER);
    WebSocketConnectOptions foreign = new WebSocketConnectOptions().setHost("localhost")
        .setPort(listener.queryPort()).setURI("/eventbus/websocket").setSsl(true)
        .addHeader("Origin", "https://evil.example").addHeader("Cookie", shop.cookie);
    boolean foreignRefused;
    try {
      WebSocket socket = Await.result(sockets.connect(foreign));
      BlockingQueue<JsonObject> more = new LinkedBlockingQueue<>();
      socket.handler(data -> more.add(new JsonObject(data)));
      register(socket, "shop");
      post(TestListener.SHOP_KEY);
      JsonObject frame = nextRecord(more, 2_000);
      foreignRefused = frame == null || !"rec".equals(frame.getString("type"));
    } catch (Exception e) {
      foreignRefused = true;
    }
    assertTrue(foreignRefused, "a cross-origin socket must not receive records");
  }

  static long postNew(String key, String fixture) throws Exception {
    var response = Await.result(ingest.post("/ingest/php").putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json").sendBuffer(Fixtures.phpNewRequest(fixture)));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("ids").getLong(0);
  }

  static java.util.List<Long> ids(JsonObject answer) {
    return answer.getJsonArray("items").stream().map(i -> ((JsonObject) i).getLong("id")).toList();
  }

  @Test
  @DisplayName("GET /api/live/missed: the requests stored after an id, oldest first, filtered, bounded, own projects only")
  void missedRequests() throws Exception {
    ApiSession shop = ApiSession.of(query, TestListener.SHOP_USER);
    JsonObject position = shop.json("/api/live/missed?project=shop");
    assertEquals(0, position.getJsonArray("items").size());
    assertEquals(false, position.getBoolean("more"));
    long mark = position.getLong("last_id");
    long first = postNew(TestListener.SHOP_KEY, "wire/slow_get.json");
    long post = postNew(TestListener.SHOP_KEY, "wire/slow_post.json");
    long foreign = postNew(TestListener.OTHER_KEY, "wire/slow_get.json");
    long second = postNew(TestListener.SHOP_KEY, "wire/nosql_noxhprof.json");
    assertTrue(mark < first, "the position is the newest stored id: " + mark + " / " + first);

    JsonObject all = shop.json("/api/live/missed?project=shop&after_id=" + mark);
    assertEquals(java.util.List.of(first, post, second), ids(all), "oldest first, only shop's: " + all);
    assertEquals(second, all.getLong("last_id"));
    assertEquals(false, all.getBoolean("more"));
    JsonObject item = all.getJsonArray("items").getJsonObject(0);
    assertEquals("shop", item.getString("project"));
    assertTrue(item.containsKey("route") && item.containsKey("event_time_ms") && !item.containsKey("payload"), item.encode());

    JsonObject gets = shop.json("/api/live/missed?project=shop&method=GET&after_id=" + mark);
    assertEquals(java.util.List.of(first, second), ids(gets));
    JsonObject bounded = shop.json("/api/live/missed?project=shop&method=GET&limit=1&after_id=" + mark);
    assertEquals(java.util.List.of(first), ids(bounded));
    assertEquals(true, bounded.getBoolean("more"), "more matched than the limit");
    assertEquals(first, bounded.getLong("last_id"), "covered up to the last request answered");
    JsonObject rest = shop.json("/api/live/missed?project=shop&method=GET&limit=1&after_id=" + first);
    assertEquals(java.util.List.of(second), ids(rest));
    assertEquals(false, rest.getBoolean("more"));
    JsonObject none = shop.json("/api/live/missed?project=shop&after_id=" + second);
    assertEquals(0, none.getJsonArray("items").size());
    assertTrue(none.getLong("last_id") >= second);

    ApiSession admin = ApiSession.of(query, TestListener.ADMIN_USER);
    assertEquals(400, admin.get("/api/live/missed?after_id=" + mark).statusCode(), "one project, named");
    ApiSession other = ApiSession.of(query, TestListener.OTHER_USER);
    assertEquals(java.util.List.of(foreign), ids(other.json("/api/live/missed?project=other&after_id=" + mark)));
    assertEquals(403, other.get("/api/live/missed?project=shop&after_id=" + mark).statusCode());
    for (String bad : new String[] {"after_id=abc", "after_id=-1", "limit=0", "sort=time", "sql_fingerprint=0123456789abcdef",
        "status=6xx", "after_id=1&after_id=2"}) {
      var response = shop.get("/api/live/missed?project=shop&" + bad);
      assertEquals(400, response.statusCode(), bad + ": " + response.bodyAsString());
    }
  }
}
