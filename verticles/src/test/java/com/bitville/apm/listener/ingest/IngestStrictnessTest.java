package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.SharedListener;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.udp.SignedDatagram;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Ingest refuses exactly what the docs say it refuses, with a message naming the real reason")
class IngestStrictnessTest {

  @RegisterExtension
  static final SharedListener SHARED = new SharedListener();

  private static HttpRequest<Buffer> post(String path, String contentType) {
    HttpRequest<Buffer> request = SHARED.client().post(path).putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY);
    return contentType == null ? request : request.putHeader("Content-Type", contentType);
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, byte[] body) throws Exception {
    return Await.result(request.sendBuffer(Buffer.buffer(body)));
  }

  private static void assertRefused(HttpResponse<Buffer> response, int status, String messagePart) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertNull(response.getHeader("Retry-After"), "a permanent refusal does not ask for a retry");
    String message = response.bodyAsJsonObject().getString("message");
    assertTrue(message.contains(messagePart), "'" + message + "' should mention '" + messagePart + "'");
  }

  private static long stored(String correlationId) throws Exception {
    return SHARED.listener().count("SELECT count(*) FROM records WHERE correlation_id = ?", correlationId);
  }

  private static byte[] phpWith(String correlationId) {
    return Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", correlationId).toBuffer().getBytes();
  }

  @Test
  @DisplayName("An empty array or NDJSON without lines: 400 'no items' on both endpoints, not 503")
  void emptyBodies() throws Exception {
    for (String path : new String[] {"/ingest/php", "/ingest/postgres", "/api/profiling"}) {
      assertRefused(send(post(path, "application/json"), "[]".getBytes(StandardCharsets.UTF_8)), 400, "no items");
      assertRefused(send(post(path, "application/json"), " [ ] ".getBytes(StandardCharsets.UTF_8)), 400,
          "no items");
      assertRefused(send(post(path, "application/x-ndjson"), "\n \n".getBytes(StandardCharsets.UTF_8)), 400,
          "no items");
    }
  }

  @Test
  @DisplayName("An empty array over UDP is dropped as an invalid payload, counted, and the next datagram stored")
  void emptyArrayOverUdp() throws Exception {
    double before = SHARED.listener().metric("bitville_udp_dropped_total", "reason=\"invalid_payload\"");
    try (DatagramSocket socket = new DatagramSocket()) {
      byte[] empty = SignedDatagram.sign("shop", System.currentTimeMillis() / 1000,
          "[]".getBytes(StandardCharsets.UTF_8), SignedDatagram.keyOf(TestListener.SHOP_KEY));
      socket.send(new DatagramPacket(empty, empty.length, InetAddress.getLoopbackAddress(), SHARED.listener().udpPort()));
      long deadline = System.currentTimeMillis() + 20_000;
      while (SHARED.listener().metric("bitville_udp_dropped_total", "reason=\"invalid_payload\"") < before + 1
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(before + 1, SHARED.listener().metric("bitville_udp_dropped_total", "reason=\"invalid_payload\""));
    }
  }

  @Test
  @DisplayName("Overlong encodings, UTF-16 surrogates and code points above U+10FFFF inside strings: 400 UTF-8")
  void strictUtf8() throws Exception {
    byte[][] invalid = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
    for (byte[] sequence : invalid) {
      String id = UUID.randomUUID().toString();
      JsonObject payload = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", id)
          .put("url", "/a-MARK-b");
      byte[] body = splice(payload.encode().getBytes(StandardCharsets.UTF_8), "MARK", sequence);
      assertRefused(send(post("/ingest/php", "application/json"), body), 400, "UTF-8");
      assertEquals(0, stored(id), Arrays.toString(sequence));
    }
    String id = UUID.randomUUID().toString();
    JsonObject valid = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", id)
        .put("url", "/caf\u00e9/\u20ac/\uD83D\uDE00/\uFFFD");
    assertEquals(200, send(post("/ingest/php", "application/json"), valid.encode().getBytes(StandardCharsets.UTF_8))
        .statusCode(), "two-, three- and four-byte characters are fine");
  }

  @Test
  @DisplayName("A 100,000-digit number: 400 naming the number length limit, not the nesting limit")
  void hugeNumber() throws Exception {
    String body = "{\"correlation_id\":\"x\",\"elapsed_ms\":" + "9".repeat(100_000) + "}";
    HttpResponse<Buffer> response = send(post("/ingest/php", "application/json"),
        body.getBytes(StandardCharsets.UTF_8));
    assertRefused(response, 400, "number longer than");
    assertTrue(!response.bodyAsString().contains("nesting"), response.bodyAsString());
  }

  @Test
  @DisplayName("A gzip stream without its trailer, or with a wrong checksum: 400")
  void truncatedGzip() throws Exception {
    String id = UUID.randomUUID().toString();
    byte[] whole = gzip(phpWith(id));
    byte[] noTrailer = Arrays.copyOf(whole, whole.length - 8);
    assertRefused(send(post("/ingest/php", "application/json").putHeader("Content-Encoding", "gzip"), noTrailer),
        400, "gzip");
    byte[] badCrc = whole.clone();
    badCrc[badCrc.length - 8] ^= 1;
    assertRefused(send(post("/ingest/php", "application/json").putHeader("Content-Encoding", "gzip"), badCrc),
        400, "gzip");
    assertEquals(0, stored(id));
    assertEquals(200, send(post("/ingest/php", "application/json").putHeader("Content-Encoding", "gzip"), whole)
        .statusCode());
  }

  @Test
  @DisplayName("Media types: JSON and NDJSON accepted (and no Content-Type, read as JSON); text/plain or empty 415")
  void mediaTypes() throws Exception {
    for (String type : new String[] {"text/plain", "", "application/x-www-form-urlencoded", "text/json"}) {
      String id = UUID.randomUUID().toString();
      assertRefused(send(post("/ingest/php", type), phpWith(id)), 415, "Content-Type");
      assertEquals(0, stored(id), type);
    }
    for (String type : new String[] {"application/json", "application/json; charset=utf-8", "Application/JSON",
        "application/x-ndjson", "application/ndjson", null}) {
      String id = UUID.randomUUID().toString();
      HttpResponse<Buffer> response = send(post("/ingest/php", type), phpWith(id));
      assertEquals(200, response.statusCode(), type + ": " + response.bodyAsString());
    }
  }

  @Test
  @DisplayName("Implausible timestamps: 400 naming the field; a batch keeps its good items; near-future is fine")
  void implausibleTimestamps() throws Exception {
    double now = System.currentTimeMillis() / 1000.0;
    double[] implausible = {32_503_680_000.0, 253_402_300_800.0, 32_503_680_000_000.0, now + 2 * 86_400, 1_000.0};
    for (double timestamp : implausible) {
      String id = UUID.randomUUID().toString();
      byte[] body = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", id)
          .put("timestamp", timestamp).toBuffer().getBytes();
      assertRefused(send(post("/ingest/php", "application/json"), body), 400, "$.timestamp");
      assertEquals(0, stored(id), "timestamp " + timestamp);
    }
    String pgId = UUID.randomUUID().toString();
    byte[] envelope = new JsonObject(Fixtures.pg("pg_locks.json")).put("correlation_id", pgId)
        .put("timestamp", 32_503_680_000.0).toBuffer().getBytes();
    assertRefused(send(post("/ingest/postgres", "application/json"), envelope), 400, "$.timestamp");

    String good = UUID.randomUUID().toString();
    String bad = UUID.randomUUID().toString();
    io.vertx.core.json.JsonArray batch = new io.vertx.core.json.JsonArray()
        .add(Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", good).put("timestamp", now + 3_600))
        .add(Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", bad).put("timestamp", 32_503_680_000.0));
    HttpResponse<Buffer> partial = send(post("/ingest/php", "application/json"), batch.toBuffer().getBytes());
    assertEquals(200, partial.statusCode(), partial.bodyAsString());
    assertEquals(1, partial.bodyAsJsonObject().getJsonArray("rejected").getJsonObject(0).getInteger("index"));
    assertTrue(partial.bodyAsJsonObject().getJsonArray("rejected").getJsonObject(0).getString("error")
        .startsWith("$[1].timestamp"));
    assertEquals(1, stored(good), "an hour ahead (a skewed clock) is accepted");
    assertEquals(0, stored(bad));
  }

  static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(data);
    }
    return bytes.toByteArray();
  }

  private static byte[] splice(byte[] body, String marker, byte[] replacement) {
    String text = new String(body, StandardCharsets.ISO_8859_1);
    int at = text.indexOf(marker);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(body, 0, at);
    out.write(replacement, 0, replacement.length);
    out.write(body, at + marker.length(), body.length - at - marker.length());
    return out.toByteArray();
  }
}
