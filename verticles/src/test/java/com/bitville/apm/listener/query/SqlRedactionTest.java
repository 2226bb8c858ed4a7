package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.gelf.GelfTestReceiver;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.udp.SignedDatagram;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * SQL literals that look like secrets never reach storage, the API, the raw payload or Graylog: the listener
 * redacts them on ingest (HTTPS and UDP), because the agent's own redaction misses cases.
 */
class SqlRedactionTest {

  /** Secrets the agent let through, each in a statement shape the listener must catch. */
  private static final List<String> SECRETS = List.of("S3cr3t-Pl4in", "k-9f8e7d6c5b4a", "4111 1111 1111 1111",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "hunter2");
  private static final List<String> STATEMENTS = List.of(
      "INSERT INTO \"users\" (\"email\", \"password_hash\", \"name\") VALUES ('jane@example.com', 'S3cr3t-Pl4in', "
          + "'Jane'), ('max@example.com', 'hunter2', 'Max')",
      "UPDATE users SET api_key = 'k-9f8e7d6c5b4a' WHERE id = 7",
      "SELECT * FROM payments WHERE note = '4111 1111 1111 1111'",
      "SELECT * FROM sessions WHERE id = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
          + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'",
      "SELECT * FROM orders WHERE status = 'shipped' AND url = 'https://shop.example.com/a/b'");

  private static Vertx vertx;
  private static GelfTestReceiver receiver;
  private static TestListener listener;
  private static WebClient ingest;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int port = TestListener.freePort();
    receiver = new GelfTestReceiver(vertx).start(port);
    listener = TestListener.start(new JsonObject().put("graylog", new JsonObject().put("enabled", true)
        .put("host", "127.0.0.1").put("port", port)));
    ingest = listener.httpsClient(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    ingest.close();
    listener.close();
    receiver.close();
    Await.result(vertx.close());
  }

  /** A real payload (slow_post) with the statements above appended to its SQL, under a new correlation id. */
  static Buffer payloadWithSecrets(String correlationId) {
    JsonObject payload = Fixtures.phpJson("wire/slow_post.json").put("correlation_id", correlationId);
    JsonArray queries = payload.getJsonObject("sql").getJsonArray("queries");
    JsonObject template = queries.getJsonObject(0);
    for (String statement : STATEMENTS) {
      queries.add(template.copy().put("sql", statement));
    }
    // PHP's encoding, as the daemon sends it: slashes escaped
    return Buffer.buffer(payload.encode().replace("/", "\\/"));
  }

  @Test
  @DisplayName("Over HTTPS: the API, the raw payload, the stored bytes and the GELF message carry no secret")
  void https() throws Exception {
    String id = UUID.randomUUID().toString();
    HttpResponse<Buffer> response = Await.result(ingest.post("/ingest/php")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).putHeader("Content-Type", "application/json")
        .sendBuffer(payloadWithSecrets(id)));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    long recordId = response.bodyAsJsonObject().getJsonArray("ids").getLong(0);

    JsonObject detail = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER)
        .json("/api/requests/" + recordId);
    assertNoSecret(detail.encode(), "API detail (SQL list and raw payload)");
    String insert = "INSERT INTO \"users\" (\"email\", \"password_hash\", \"name\") VALUES ('jane@example.com', "
        + "'[REDACTED]', 'Jane'), ('max@example.com', '[REDACTED]', 'Max')";
    assertTrue(detail.encode().contains(jsonText(insert)), "the statement with its secret columns redacted");
    assertTrue(detail.encode().contains(jsonText("status = 'shipped' AND url = 'https://shop.example.com/a/b'")),
        "other literals are kept");

    assertNoSecret(storedPayload(id), "stored payload");
    assertNoSecret(gelf(recordId).encode(), "GELF message");
  }

  @Test
  @DisplayName("Over UDP: the same redaction before storage")
  void udp() throws Exception {
    String id = UUID.randomUUID().toString();
    byte[] datagram = SignedDatagram.sign("shop", System.currentTimeMillis() / 1000,
        payloadWithSecrets(id).getBytes(), SignedDatagram.keyOf(TestListener.SHOP_KEY));
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), listener.udpPort()));
    }
    long deadline = System.currentTimeMillis() + 30_000;
    while (listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", id) == 0
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertNoSecret(storedPayload(id), "stored payload from UDP");
  }

  @Test
  @DisplayName("ingest.redaction.enabled=false stores the statements as sent")
  void configurable() throws Exception {
    try (TestListener plain = TestListener.start(new JsonObject().put("ingest", new JsonObject()
        .put("redaction", new JsonObject().put("enabled", false))))) {
      String id = UUID.randomUUID().toString();
      WebClient client = plain.httpsClient(vertx);
      assertEquals(200, Await.result(client.post("/ingest/php")
          .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).sendBuffer(payloadWithSecrets(id)))
          .statusCode());
      String stored = PayloadCodec.decompress((byte[]) plain.rows(
          "SELECT payload FROM records WHERE correlation_id = ?", id).get(0).get("payload"));
      assertTrue(stored.contains("'S3cr3t-Pl4in'"), stored);
      client.close();
    }
  }

  /** A string as it appears inside encoded JSON. */
  private static String jsonText(String text) {
    String encoded = new JsonArray().add(text).encode();
    return encoded.substring(2, encoded.length() - 2);
  }

  private static String storedPayload(String correlationId) throws Exception {
    return PayloadCodec.decompress((byte[]) listener.rows("SELECT payload FROM records WHERE correlation_id = ?",
        correlationId).get(0).get("payload"));
  }

  private static JsonObject gelf(long recordId) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    while (System.currentTimeMillis() < deadline) {
      for (JsonObject message : receiver.messages()) {
        if (message.getLong("_record_id") == recordId) {
          return message;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("record " + recordId + " never reached Graylog");
  }

  private static void assertNoSecret(String text, String where) {
    for (String secret : SECRETS) {
      assertFalse(text.contains(secret), where + " shows " + secret);
    }
    assertTrue(text.contains("[REDACTED]"), where + " marks what was removed");
  }
}
