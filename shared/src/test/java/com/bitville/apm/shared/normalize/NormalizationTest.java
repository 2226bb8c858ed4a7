package com.bitville.apm.shared.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.pg.PostgresEnvelopeNormalizer;
import com.bitville.apm.shared.php.PhpPayloadNormalizer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Normalization shared by the listener and the pg-agent")
class NormalizationTest {

  @Test
  @DisplayName("Routes drop scheme, host and query, and replace ids, UUIDs and hex tokens")
  void routes() {
    assertEquals("/orders", RouteNormalizer.route("https://shop.example.com/orders?page=2&sort=desc"));
    assertEquals("/orders/{id}/items", RouteNormalizer.route("/orders/981245/items"));
    assertEquals("/u/{uuid}", RouteNormalizer.route("/u/9435d029-36ef-4428-bd21-926ec3e9fd81#x"));
    assertEquals("/files/{hex}", RouteNormalizer.route("/files/5f2a9c1e0badc0de"));
    assertEquals("/reset/{token}", RouteNormalizer.route("/reset/aZ3kLq9mPw2Xy7Tn4Rb8Vc1D"));
    assertEquals("/checkout/confirm", RouteNormalizer.route("/checkout/confirm"));
    assertEquals("/", RouteNormalizer.route("https://shop.example.com"));
    assertNull(RouteNormalizer.route(null));
  }

  @Test
  @DisplayName("SQL with other literals has the same normalized text and fingerprint")
  void sql() {
    String a = SqlNormalizer.normalize("SELECT * FROM orders WHERE id = 981245 AND status = 'paid' "
        + "/* correlation:9435d029-36ef-4428-bd21-926ec3e9fd81 */");
    String b = SqlNormalizer.normalize("SELECT *  FROM orders\n WHERE id = 17 AND status = 'it''s'");
    assertEquals("SELECT * FROM orders WHERE id = ? AND status = ?", a);
    assertEquals(a, b);
    assertEquals(SqlNormalizer.fingerprint(a), SqlNormalizer.fingerprint(b));
    assertEquals("SELECT a FROM t WHERE x IN (...) AND y = ?",
        SqlNormalizer.normalize("SELECT a FROM t WHERE x IN (1, 2, 3) AND y = :APR0"));
    assertEquals("SELECT \"t1\".\"c2\" FROM t1", SqlNormalizer.normalize("SELECT \"t1\".\"c2\" FROM t1"));
    assertNotEquals(SqlNormalizer.fingerprint("SELECT ?"), SqlNormalizer.fingerprint("SELECT ? , ?"));
    assertTrue(SqlNormalizer.normalize(null).startsWith("(unreadable SQL"));
  }

  @Test
  @DisplayName("Correlation ids from application_name, comments and nested pg data")
  void correlation() {
    String id = "9435d029-36ef-4428-bd21-926ec3e9fd81";
    assertEquals(id, CorrelationIds.fromApplicationName("bitville-" + id));
    assertEquals(id, CorrelationIds.fromComment("UPDATE x SET y = 1 /* correlation:" + id.toUpperCase() + " */"));
    assertNull(CorrelationIds.fromApplicationName("psql"));
    JsonObject data = new JsonObject().put("sessions", new JsonArray()
        .add(new JsonObject().put("application_name", "bitville-" + id).put("correlation_id", null))
        .add(new JsonObject().put("query", "SELECT 1 /* correlation:46a4a588-fb35-47dc-9a97-5bac8b37f811 */"))
        .add(new JsonObject().put("correlation_id", "unknown")));
    assertEquals(Set.of(id, "46a4a588-fb35-47dc-9a97-5bac8b37f811"), CorrelationIds.findAll(data));
  }

  @Test
  @DisplayName("A pg record naming several requests has no own id and links all of them")
  void severalRequestsNoOwnId() {
    String a = "0a000000-0000-4000-8000-00000000000a";
    String b = "0b000000-0000-4000-8000-00000000000b";
    String c = "0c000000-0000-4000-8000-00000000000c";
    JsonObject locks = new JsonObject().put("correlation_id", b).put("timestamp", 1795457820.5)
        .put("source", "pg_locks").put("host", "db1").put("data", new JsonObject().put("locks", new JsonArray()
            .add(new JsonObject().put("blocked_correlation_id", a).put("blocking_correlation_id", b))
            .add(new JsonObject().put("blocked_correlation_id", c).put("blocking_correlation_id", a))));
    IngestRecord record = PostgresEnvelopeNormalizer.normalize(locks, "shop", 1L, "$[0]");
    assertNull(record.correlationId(), "no single request owns a record naming three");
    assertEquals(Set.of(a, b, c), Set.copyOf(record.correlationIds()));
    JsonObject one = locks.copy().put("correlation_id", "").put("data", new JsonObject().put("locks", new JsonArray()
        .add(new JsonObject().put("blocked_correlation_id", a))));
    assertEquals(a, PostgresEnvelopeNormalizer.normalize(one, "shop", 1L, "$[0]").correlationId());
  }

  @Test
  @DisplayName("Statement statistics are linked to no request, even when their text carries a correlation comment")
  void statementsNeverLinked() {
    String a = "0a000000-0000-4000-8000-00000000000a";
    JsonObject statements = new JsonObject().put("correlation_id", a).put("timestamp", 1795457820.5)
        .put("source", "pg_stat_statements").put("host", "db1").put("data", new JsonObject()
            .put("stats_reset", "2026-11-30T20:00:00.000Z").put("statements", new JsonArray()
                .add(new JsonObject().put("query", "SELECT 1 /* correlation:" + a + " */").put("correlation_id", a))));
    IngestRecord record = PostgresEnvelopeNormalizer.normalize(statements, "shop", 1L, "$[0]");
    assertNull(record.correlationId());
    assertEquals(List.of(), record.correlationIds());
    assertTrue(record.summary().contains("statistics reset"), record.summary());
    assertEquals("SELECT 1 /* correlation:(varies) */ WHERE 2", CorrelationIds.withoutIds(
        "SELECT 1 /* correlation:" + a + " */ WHERE 2"));
  }

  @Test
  @DisplayName("PHP's [] for empty objects, integer floats and null SQL text are accepted")
  void phpQuirks() {
    JsonObject payload = new JsonObject().put("correlation_id", "fallback-123").put("timestamp", 1795457820)
        .put("elapsed_ms", 600).put("request", new JsonObject().put("url", "/a/1").put("method", "get")
            .put("headers", new JsonArray()).put("get", new JsonArray()))
        .put("response", new JsonArray()).put("server", new JsonArray()).put("custom", new JsonArray())
        .put("sql", new JsonObject().put("queries", new JsonArray().add(new JsonObject().putNull("sql")
            .put("time_ms", 3))))
        .putNull("xhprof");
    IngestRecord record = PhpPayloadNormalizer.normalize(payload, "shop", 1L, "$");
    assertEquals("GET", record.method());
    assertEquals("/a/{id}", record.route());
    assertEquals(1_795_457_820_000L, record.eventTimeMs());
    assertEquals(1, record.sqlCount());
    assertEquals(3.0, record.sqlTimeMs());
    assertEquals(List.of(), record.correlationIds(), "fallback ids are stored but not linkable");
    assertEquals(payload, new JsonObject(PayloadCodec.decompress(record.payload())), "payload kept whole");
  }

  @Test
  @DisplayName("Missing timestamp uses the receive time and flags it")
  void estimatedTime() {
    JsonObject payload = new JsonObject().put("correlation_id", "x").put("elapsed_ms", 1.5);
    IngestRecord record = PhpPayloadNormalizer.normalize(payload, "shop", 42L, "$");
    assertEquals(42L, record.eventTimeMs());
    assertTrue(record.eventTimeEstimated());
  }

  @Test
  @DisplayName("Invalid values are refused with the JSON path")
  void invalid() {
    InvalidPayloadException error = assertThrows(InvalidPayloadException.class, () -> PhpPayloadNormalizer
        .normalize(new JsonObject().put("correlation_id", "x").put("elapsed_ms", -1), "p", 1L, "$[3]"));
    assertEquals("$[3].elapsed_ms must be between 0 and 604800000", error.getMessage());
    error = assertThrows(InvalidPayloadException.class, () -> PostgresEnvelopeNormalizer
        .normalize(new JsonObject().put("source", "DROP TABLE"), "p", 1L, "$"));
    assertTrue(error.getMessage().startsWith("$.source must match"));
  }

  @Test
  @DisplayName("Body parser: object, array, NDJSON with a bad line, depth and UTF-8 limits")
  void bodies() {
    BodyParser parser = new BodyParser(16, 100);
    assertEquals(1, parser.parse(bytes("{\"a\":1}"), false).size());
    assertEquals(2, parser.parse(bytes("[{\"a\":1},{\"b\":2}]"), false).size());
    List<BodyParser.Item> lines = parser.parse(bytes("{\"a\":1}\n\nnot json\n{\"c\":3}\n"), true);
    assertEquals(3, lines.size());
    assertTrue(lines.get(1).error().startsWith("line 3 is not a JSON object"));
    assertThrows(InvalidPayloadException.class, () -> parser.parse(bytes("[".repeat(17) + "]".repeat(17)), false));
    assertEquals(1, parser.parse(bytes("{\"s\":\"" + "[".repeat(50) + "\"}"), false).size(),
        "brackets inside strings do not count");
    assertThrows(InvalidPayloadException.class, () -> parser.parse(new byte[] {'{', '"', (byte) 0xC3, '"', '}'},
        false));
    assertThrows(InvalidPayloadException.class, () -> new BodyParser(16, 2).parse(bytes("[{},{},{}]"), false));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
