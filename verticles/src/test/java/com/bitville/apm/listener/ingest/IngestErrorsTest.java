package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.SharedListener;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Every answer of the ingest table, provoked for real; refused input stores nothing")
class IngestErrorsTest {

  @RegisterExtension
  static final SharedListener SHARED = new SharedListener(new JsonObject().put("ingest", new JsonObject().put("bodyTimeoutMs", 5000)));

  private static HttpRequest<Buffer> php() {
    return SHARED.client().post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json");
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, Buffer body) throws Exception {
    return Await.result(request.sendBuffer(body));
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String messagePart) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertEquals("application/json", response.getHeader("Content-Type"));
    JsonObject body = response.bodyAsJsonObject();
    assertNotNull(body.getString("error"));
    assertTrue(body.getString("message").contains(messagePart),
        "message '" + body.getString("message") + "' should mention '" + messagePart + "'");
  }

  private static long stored() throws Exception {
    return SHARED.listener().count("SELECT count(*) FROM records");
  }

  @Test
  @DisplayName("Missing Authorization header: 401 with WWW-Authenticate, nothing stored")
  void missingKey() throws Exception {
    long before = stored();
    HttpResponse<Buffer> response = send(SHARED.client().post("/ingest/php").putHeader("Content-Type", "application/json"),
        Fixtures.php("wire/nosql_noxhprof.json"));
    assertError(response, 401, "Bearer");
    assertTrue(response.getHeader("WWW-Authenticate").startsWith("Bearer"));
    assertEquals(before, stored());
  }

  @Test
  @DisplayName("Wrong key: 401 that does not echo the key")
  void wrongKey() throws Exception {
    HttpResponse<Buffer> response = send(SHARED.client().post("/ingest/php").putHeader("Authorization",
        "Bearer not-a-valid-key-12345"), Fixtures.php("wire/nosql_noxhprof.json"));
    assertError(response, 401, "unknown API key");
    assertFalse(response.bodyAsString().contains("not-a-valid-key"));
  }

  @Test
  @DisplayName("A field of the wrong type: 400 naming the JSON path")
  void wrongType() throws Exception {
    JsonObject payload = Fixtures.phpJson("wire/nosql_noxhprof.json").put("elapsed_ms", "slow");
    assertError(send(php(), payload.toBuffer()), 400, "$.elapsed_ms must be a number");
    JsonObject noId = Fixtures.phpJson("wire/nosql_noxhprof.json");
    noId.remove("correlation_id");
    assertError(send(php(), noId.toBuffer()), 400, "$.correlation_id is required");
  }

  @Test
  @DisplayName("Not JSON, truncated JSON and invalid UTF-8: 400, nothing stored")
  void malformedBodies() throws Exception {
    long before = stored();
    assertError(send(php(), Buffer.buffer("hello")), 400, "JSON");
    Buffer whole = Fixtures.php("wire/slow_get.json");
    assertError(send(php(), whole.getBuffer(0, whole.length() / 2)), 400, "not valid JSON");
    byte[] invalid = "{\"correlation_id\":\"a\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertError(send(php(), Buffer.buffer(invalid)), 400, "UTF-8");
    assertEquals(before, stored());
  }

  @Test
  @DisplayName("Deeply nested JSON is refused before a tree is built")
  void deepNesting() throws Exception {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertError(send(php(), Buffer.buffer(deep)), 400, "nesting deeper than");
    String deepObject = "{\"correlation_id\":\"x\",\"custom\":" + "{\"a\":".repeat(200) + "1" + "}".repeat(201);
    assertError(send(php(), Buffer.buffer(deepObject)), 400, "nesting deeper than");
  }

  @Test
  @DisplayName("A 3 MiB body: 413")
  void tooLarge() throws Exception {
    Buffer body = Buffer.buffer("[" + " ".repeat(3 * 1024 * 1024) + "]");
    assertError(send(php(), body), 413, "exceeds");
  }

  @Test
  @DisplayName("A gzip bomb (2 KB that inflate to 64 MiB): 413, the server inflates at most the cap")
  void gzipBomb() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      byte[] zeros = new byte[1024 * 1024];
      for (int i = 0; i < 64; i++) {
        gzip.write(zeros);
      }
    }
    assertTrue(bytes.size() < 200_000);
    assertError(send(php().putHeader("Content-Encoding", "gzip"), Buffer.buffer(bytes.toByteArray())), 413,
        "after decompression");
    assertError(send(php().putHeader("Content-Encoding", "gzip"), Buffer.buffer("not gzip at all, really")),
        400, "gzip");
  }

  @Test
  @DisplayName("Gzip-compressed real payload is accepted")
  void gzipAccepted() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(Fixtures.php("wire/slow_post.json").getBytes());
    }
    HttpResponse<Buffer> response = send(php().putHeader("Content-Encoding", "gzip"),
        Buffer.buffer(bytes.toByteArray()));
    assertEquals(200, response.statusCode(), response.bodyAsString());
  }

  @Test
  @DisplayName("Unsupported media type or encoding: 415")
  void unsupportedMedia() throws Exception {
    assertError(send(SHARED.client().post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/xml"), Buffer.buffer("<a/>")), 415, "Content-Type");
    assertError(send(php().putHeader("Content-Encoding", "br"), Buffer.buffer("{}")), 415, "Content-Encoding");
    assertError(send(SHARED.client().post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json; charset=iso-8859-1"), Buffer.buffer("{}")), 415, "UTF-8");
  }

  @Test
  @DisplayName("A batch with valid and invalid items: 200, valid ones stored, invalid ones listed by index")
  void partialBatch() throws Exception {
    JsonArray batch = new JsonArray().add(Fixtures.phpJson("wire/nosql_noxhprof.json"))
        .add(new JsonObject().put("correlation_id", "x")).add("not an object");
    HttpResponse<Buffer> response = send(php(), batch.toBuffer());
    assertEquals(200, response.statusCode(), response.bodyAsString());
    JsonObject body = response.bodyAsJsonObject();
    assertEquals(1, body.getInteger("accepted"));
    assertEquals(2, body.getJsonArray("rejected").size());
    assertEquals(1, body.getJsonArray("rejected").getJsonObject(0).getInteger("index"));
    assertTrue(body.getJsonArray("rejected").getJsonObject(0).getString("error").startsWith("$[1]."));
    assertEquals(2, body.getJsonArray("rejected").getJsonObject(1).getInteger("index"));
  }

  @Test
  @DisplayName("Unknown path 404, wrong method 405")
  void routing() throws Exception {
    assertError(send(SHARED.client().post("/ingest/unknown"), Buffer.buffer("{}")), 404, "no such endpoint");
    HttpResponse<Buffer> get = Await.result(SHARED.client().get("/ingest/php").send());
    assertEquals(405, get.statusCode());
    assertEquals("POST", get.getHeader("Allow"));
  }

  @Test
  @DisplayName("A client that never finishes its body gets 408 while others are served meanwhile")
  void slowClient() throws Exception {
    NetSocket socket = Await.result(SHARED.vertx().createNetClient(new NetClientOptions().setSsl(true)
            .setHostnameVerificationAlgorithm("HTTPS")
            .setTrustOptions(new PemTrustOptions().addCertPath(SHARED.listener().certificate().toString())))
        .connect(SHARED.listener().ingestPort(), "localhost"));
    Buffer received = Buffer.buffer();
    socket.handler(received::appendBuffer);
    socket.write("POST /ingest/php HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestListener.SHOP_KEY
        + "\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"correlation_id\":");
    HttpResponse<Buffer> other = send(php(), Fixtures.php("wire/nosql_noxhprof.json"));
    assertEquals(200, other.statusCode());
    assertEquals("", received.toString(), "another client is served while the slow one still waits for its 408");
    long deadline = System.currentTimeMillis() + 30_000;
    while (!received.toString().contains("\r\n\r\n") && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(received.toString().startsWith("HTTP/1.1 408"), received.toString());
  }
}
