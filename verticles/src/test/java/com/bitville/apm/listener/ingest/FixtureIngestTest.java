package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.SharedListener;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.php.PhpProfile;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Real agent payloads posted over HTTPS are stored with their derived columns")
class FixtureIngestTest {

  @RegisterExtension
  static final SharedListener SHARED = new SharedListener();

  private HttpResponse<Buffer> post(String path, Buffer body, String contentType) throws Exception {
    return Await.result(SHARED.client().post(path).putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", contentType).sendBuffer(body));
  }

  private Map<String, Object> storedRow(HttpResponse<Buffer> response) throws Exception {
    assertEquals(200, response.statusCode(), response.bodyAsString());
    long id = response.bodyAsJsonObject().getJsonArray("ids").getLong(0);
    return SHARED.listener().rows("SELECT * FROM records WHERE id = ?", id).get(0);
  }

  @Test
  @DisplayName("slow_get: route, method, status, host, SQL count and time, memory; functions and SQL in the payload")
  void slowGet() throws Exception {
    JsonObject source = Fixtures.phpJson("wire/slow_get.json");
    Map<String, Object> row = storedRow(post("/ingest/php", Fixtures.php("wire/slow_get.json"), "application/json"));
    assertEquals("shop", row.get("project"), "project comes from the key, not the payload");
    assertEquals(Fixtures.SLOW_GET_CORRELATION, row.get("correlation_id"));
    assertEquals(source.getDouble("elapsed_ms"), ((Number) row.get("duration_ms")).doubleValue(), 1e-6);
    assertEquals("/orders", row.get("route"));
    assertEquals("GET", row.get("method"));
    assertEquals(200, row.get("status"));
    assertEquals(source.getJsonObject("server").getString("hostname"), row.get("host"));
    assertEquals(47, row.get("sql_count"));
    assertEquals(source.getJsonObject("sql").getJsonObject("summary").getDouble("total_time_ms"),
        ((Number) row.get("sql_time_ms")).doubleValue(), 1e-6);
    assertEquals(2097152L, ((Number) row.get("memory_peak_bytes")).longValue());
    assertEquals(Math.round(source.getDouble("timestamp") * 1000), ((Number) row.get("event_time_ms")).longValue());
    long id = ((Number) row.get("id")).longValue();
    PhpProfile profile = PhpProfile.of(new JsonObject(PayloadCodec.decompress((byte[]) row.get("payload"))));
    assertEquals(47, profile.queries().size());
    assertEquals(source.getJsonObject("xhprof").getJsonObject("profiling").getJsonArray("top_functions").size(),
        profile.functions().size());
    assertEquals(0, SHARED.listener().count("SELECT count(*) FROM record_links WHERE record_id = ?", id),
        "a request's own correlation id is found through records_correlation, not a link row");
  }

  @Test
  @DisplayName("Every PHP wire fixture, the legacy schema and the disk-buffer files are accepted")
  void everyPhpFixture() throws Exception {
    for (String name : List.of("wire/slow_get.json", "wire/slow_post.json", "wire/fatal.json",
        "wire/nosql_noxhprof.json", "legacy-listener-schema.json",
        "disk-buffer/profile_20261123_181705_dcf29f93.json", "disk-buffer/profile_20261123_181709_f310c173.json",
        "disk-buffer/buffer_1763921830.123456_5f2a9c1e.json", "socket/slow_post.json")) {
      HttpResponse<Buffer> response = post("/api/profiling", Fixtures.php(name), "application/json");
      assertEquals(200, response.statusCode(), name + ": " + response.bodyAsString());
      assertTrue(response.bodyAsJsonObject().getInteger("accepted") >= 1, name);
      assertNull(response.bodyAsJsonObject().getJsonArray("rejected"), name);
    }
  }

  @Test
  @DisplayName("fatal: the fatal flag is stored; nosql_noxhprof: SQL and memory stay unknown")
  void fatalAndNoSql() throws Exception {
    assertEquals(1, storedRow(post("/ingest/php", Fixtures.php("wire/fatal.json"), "application/json")).get("fatal"));
    Map<String, Object> plain = storedRow(post("/ingest/php", Fixtures.php("wire/nosql_noxhprof.json"),
        "application/json"));
    assertEquals(0, plain.get("fatal"));
    assertNull(plain.get("sql_count"));
    assertNull(plain.get("memory_peak_bytes"));
  }

  @Test
  @DisplayName("legacy schema: request.uri and sql.queries[].duration_ms are understood")
  void legacySchema() throws Exception {
    Map<String, Object> row = storedRow(post("/ingest/php", Fixtures.php("legacy-listener-schema.json"),
        "application/json"));
    assertEquals("/checkout/confirm", row.get("route"));
    assertEquals("POST", row.get("method"));
    assertEquals("web01", row.get("host"));
    assertTrue(((Number) row.get("sql_count")).intValue() > 0);
  }

  @Test
  @DisplayName("Postgres envelopes of every type, single and NDJSON, are stored and linked by correlation id")
  void postgresEnvelopes() throws Exception {
    for (String name : Fixtures.PG_SINGLE) {
      HttpResponse<Buffer> response = post("/ingest/postgres", Fixtures.pg(name), "application/json");
      assertEquals(200, response.statusCode(), name + ": " + response.bodyAsString());
    }
    HttpResponse<Buffer> batch = post("/ingest/postgres", Fixtures.pg("batch.ndjson"), "application/x-ndjson");
    assertEquals(200, batch.statusCode(), batch.bodyAsString());
    assertEquals(5, batch.bodyAsJsonObject().getInteger("accepted"));
    assertEquals(3, linked("count(DISTINCT source)", Fixtures.SLOW_GET_CORRELATION),
        "sessions, locks and log lines link to slow_get");
    assertTrue(linked("count(*)", Fixtures.SLOW_POST_CORRELATION) >= 2);
    assertEquals(1, SHARED.listener().rows("SELECT fatal FROM records WHERE id = ?",
        batch.bodyAsJsonObject().getJsonArray("ids").getLong(3)).get(0).get("fatal"), "pg_log with ERROR");
  }

  /** pg-agent records found by a correlation id: their own one or one linked from inside their data. */
  private long linked(String aggregate, String correlationId) throws Exception {
    return SHARED.listener().count("SELECT " + aggregate + " FROM records WHERE kind = 'postgres' AND (correlation_id = ? "
        + "OR id IN (SELECT record_id FROM record_links WHERE correlation_id = ?))", correlationId, correlationId);
  }
}
