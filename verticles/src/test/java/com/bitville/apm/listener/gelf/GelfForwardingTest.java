package com.bitville.apm.listener.gelf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.bus.Addresses;
import com.bitville.apm.shared.model.PayloadCodec;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Every stored record reaches a Graylog-like GELF TCP input, mapped field by field")
class GelfForwardingTest {

  static final List<String> PHP_FIXTURES = List.of("wire/slow_get.json", "wire/slow_post.json", "wire/fatal.json",
      "wire/nosql_noxhprof.json", "legacy-listener-schema.json", "socket/slow_post.json", "socket/fatal.json",
      "socket/slow_get.json", "socket/nosql_noxhprof.json", "disk-buffer/profile_20261123_181705_dcf29f93.json",
      "disk-buffer/profile_20261123_181709_f310c173.json", "disk-buffer/buffer_1763921830.123456_5f2a9c1e.json");
  static final double SLOW_MS = 700;

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient client;
  private static GelfTestReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int port = TestListener.freePort();
    receiver = new GelfTestReceiver(vertx).start(port);
    listener = TestListener.start(new JsonObject().put("graylog", graylog(port)));
    client = listener.httpsClient(vertx);
  }

  static JsonObject graylog(int port) {
    return new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", port)
        .put("slowThresholdMs", SLOW_MS).put("backoffInitialMs", 50).put("backoffMaxMs", 500)
        .put("circuitResetMs", 300).put("confirmDelayMs", 100).put("replayIntervalMs", 1000);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    listener.close();
    receiver.close();
    Await.result(vertx.close());
  }

  private List<Long> post(String path, Buffer body, String type) throws Exception {
    HttpResponse<Buffer> response = Await.result(client.post(path)
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).putHeader("Content-Type", type)
        .sendBuffer(body));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    List<Long> ids = new java.util.ArrayList<>();
    response.bodyAsJsonObject().getJsonArray("ids").forEach(id -> ids.add(((Number) id).longValue()));
    return ids;
  }

  private JsonObject received(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    while (System.currentTimeMillis() < deadline) {
      for (JsonObject message : receiver.messages()) {
        if (message.getLong("_record_id") == id) {
          return message;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("record " + id + " never reached the GELF receiver; violations: "
        + receiver.violations());
  }

  @Test
  @DisplayName("PHP fixtures: required fields, level, timestamp, every additional field equals the stored row")
  void phpFixtures() throws Exception {
    for (String name : PHP_FIXTURES) {
      Buffer body = Fixtures.php(name);
      List<Long> ids = post("/ingest/php", body, "application/json");
      String text = body.toString().strip();
      JsonArray sources = text.startsWith("[") ? new JsonArray(text) : new JsonArray().add(new JsonObject(text));
      assertEquals(sources.size(), ids.size(), name);
      for (int i = 0; i < ids.size(); i++) {
        checkPhp(name, ids.get(i), sources.getJsonObject(i));
      }
    }
    assertEquals(List.of(), receiver.violations());
  }

  private void checkPhp(String name, long id, JsonObject payload) throws Exception {
    JsonObject gelf = received(id);
    Map<String, Object> row = listener.rows("SELECT * FROM records WHERE id = ?", id).get(0);
    String context = name + " (record " + id + ")";
    assertEquals("1.1", gelf.getString("version"), context);
    JsonObject server = payload.getValue("server") instanceof JsonObject s ? s : new JsonObject();
    String hostname = server.getString("hostname");
    assertEquals(hostname != null ? hostname : row.get("host"), gelf.getString("host"), context + " host");
    assertEquals(row.get("summary"), gelf.getString("short_message"), context);
    assertTrue(gelf.getString("short_message").contains("[shop]"), context);
    String stored = PayloadCodec.decompress((byte[]) row.get("payload"));
    assertEquals(stored, gelf.getString("full_message"), context + " full_message is the stored payload");
    assertEquals(BigDecimal.valueOf(((Number) row.get("event_time_ms")).longValue(), 3),
        new BigDecimal(gelf.getValue("timestamp").toString()).setScale(3), context + " timestamp");
    assertEquals(Math.round(payload.getDouble("timestamp") * 1000) / 1000.0, gelf.getDouble("timestamp"), 0.0011,
        context + " timestamp is the agent's, in seconds");
    boolean fatal = payload.getValue("fatal_error") instanceof JsonObject f && !f.isEmpty();
    double elapsed = payload.getDouble("elapsed_ms");
    assertEquals(fatal ? 3 : elapsed > SLOW_MS ? 4 : 6, gelf.getInteger("level"), context + " level");
    assertEquals("shop", gelf.getString("_project"), context);
    assertEquals("php", gelf.getString("_source"), context);
    assertEquals(payload.getString("correlation_id").toLowerCase(), gelf.getString("_correlation_id"), context);
    assertEquals("test-node", gelf.getString("_listener_node"), context);
    assertEquals(elapsed, gelf.getDouble("_duration_ms"), 1e-9, context);
    JsonObject request = payload.getJsonObject("request");
    String url = request.getString("url", request.getString("uri"));
    assertEquals(url, gelf.getString("_url"), context);
    assertEquals(row.get("route"), gelf.getString("_route"), context);
    assertNotNull(gelf.getString("_route"), context);
    assertEquals(request.getString("method"), gelf.getString("_method"), context);
    assertEquals(row.get("status"), gelf.getInteger("_status_code"), context);
    assertEquals(row.get("sql_count"), gelf.getInteger("_sql_count"), context);
    assertEquals(row.get("sql_time_ms") == null ? null : ((Number) row.get("sql_time_ms")).doubleValue(),
        gelf.getDouble("_sql_time_ms"), context);
    assertEquals(row.get("memory_peak_bytes") == null ? null : ((Number) row.get("memory_peak_bytes")).longValue(),
        gelf.getLong("_memory_peak_bytes"), context);
    String phpVersion = server.getString("php_version");
    if (phpVersion == null && payload.getValue("_meta") instanceof JsonObject meta) {
      phpVersion = meta.getString("php_version");
    }
    assertEquals(phpVersion, gelf.getString("_php_version"), context);
    assertFalse(gelf.containsKey("_id"), context);
  }

  @Test
  @DisplayName("Postgres envelopes: level 4 for blocking locks, 3 for ERROR log lines, 6 otherwise; links kept")
  void postgresFixtures() throws Exception {
    Map<String, Integer> levels = new HashMap<>(Map.of("pg_locks.json", 4, "pg_log.json", 3));
    for (String name : Fixtures.PG_SINGLE) {
      long id = post("/ingest/postgres", Fixtures.pg(name), "application/json").get(0);
      JsonObject source = new JsonObject(Fixtures.pg(name));
      JsonObject gelf = received(id);
      assertEquals(levels.getOrDefault(name, 6), gelf.getInteger("level"), name);
      assertEquals(source.getString("source"), gelf.getString("_source"), name);
      assertFalse(gelf.getString("host").isBlank(), name);
      assertTrue(gelf.getString("short_message").endsWith("[shop]"), name);
      assertNotNull(gelf.getString("_correlation_id"), name);
      assertEquals(source, new JsonObject(gelf.getString("full_message")), name + " full_message");
    }
    assertEquals(List.of(), receiver.violations());
  }

  @Test
  @DisplayName("A payload over fullMessageMaxBytes is cut on a character boundary with a marker; frame stays valid")
  void hugePayloadIsCapped() throws Exception {
    JsonObject payload = new JsonObject(Fixtures.phpNewRequest("wire/nosql_noxhprof.json"));
    payload.put("custom", new JsonObject().put("blob", "é".repeat(400_000)));
    long id = post("/ingest/php", payload.toBuffer(), "application/json").get(0);
    JsonObject gelf = received(id);
    String full = gelf.getString("full_message");
    assertTrue(full.getBytes(StandardCharsets.UTF_8).length <= 256 * 1024, "capped at the default 256 KiB");
    assertTrue(full.contains("[truncated: "), "with a truncation marker");
    assertEquals(List.of(), receiver.violations());
  }

  @Test
  @DisplayName("Status on /ready and /metrics: circuit closed, connected, backlog reported")
  void statusReported() throws Exception {
    long id = post("/ingest/php", Fixtures.phpNewRequest("wire/nosql_noxhprof.json"), "application/json").get(0);
    received(id); // forwarding follows the commit asynchronously: the counter moves once the receiver has it
    JsonObject status = Await.result(listener.vertx().eventBus().<JsonObject>request(
        Addresses.NODE_STATUS_PREFIX + "gelf-forwarder", new JsonObject(),
        new DeliveryOptions().setSendTimeout(2000))).body();
    assertEquals("closed", status.getString("circuit"));
    assertTrue(status.getBoolean("connected"));
    assertTrue(status.containsKey("backlog"));
    String metrics = listener.metrics();
    assertTrue(metrics.contains("bitville_gelf_circuit_state"), metrics);
    assertTrue(metrics.contains("bitville_gelf_backlog_records"));
    long deadline = System.currentTimeMillis() + 5_000;
    while (listener.metric("bitville_gelf_forwarded_total", null) == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(listener.metric("bitville_gelf_forwarded_total", null) > 0);
  }
}
