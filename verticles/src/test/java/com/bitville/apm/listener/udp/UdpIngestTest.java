package com.bitville.apm.listener.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.udp.SignedDatagram;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("UDP ingest: signed datagrams are stored like HTTPS ones; every bad kind is counted and not stored")
class UdpIngestTest {

  private static TestListener listener;
  private static DatagramSocket socket;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start(new JsonObject()
        .put("udp", new JsonObject().put("maxDatagramBytes", 60_000))
        .put("projects", new JsonObject().put("other", new JsonObject().put("udpUnsigned", true))));
    socket = new DatagramSocket();
  }

  @AfterAll
  static void stop() throws Exception {
    socket.close();
    listener.close();
  }

  private static void send(byte[] datagram) throws Exception {
    socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), listener.udpPort()));
  }

  private static byte[] signed(String project, String key, long seconds, byte[] body) {
    return SignedDatagram.sign(project, seconds, body, SignedDatagram.keyOf(key));
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** A PHP payload with a fresh correlation id, so that "stored or not" is a lookup by that id. */
  private static JsonObject php(String correlationId) {
    return Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", correlationId);
  }

  private static long stored(String correlationId) throws Exception {
    return listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", correlationId);
  }

  private static void awaitStored(String correlationId) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (stored(correlationId) == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, stored(correlationId), correlationId + " was not stored");
  }

  /** A locks record names several requests, so it has no own id: it is found through its links. */
  private static void awaitLinked(String correlationId) throws Exception {
    String sql = "SELECT count(*) FROM record_links WHERE correlation_id = ?";
    long deadline = System.currentTimeMillis() + 30_000;
    while (listener.count(sql, correlationId) == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, listener.count(sql, correlationId), correlationId + " was not linked");
  }

  private static double dropped(String reason) throws Exception {
    return listener.metric("bitville_udp_dropped_total", "reason=\"" + reason + "\"");
  }

  /** Sends a datagram that must be dropped for {@code reason}: the counter moves by one, nothing is stored. */
  private static void assertDropped(String reason, byte[] datagram, String correlationId) throws Exception {
    double before = dropped(reason);
    send(datagram);
    long deadline = System.currentTimeMillis() + 10_000;
    while (dropped(reason) < before + 1 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(before + 1, dropped(reason), 0.0, reason + " counted once");
    if (correlationId != null) {
      Thread.sleep(100);
      assertEquals(0, stored(correlationId), reason + ": nothing stored");
    }
  }

  @Test
  @DisplayName("Signed PHP payload and Postgres envelope are stored, with derived columns and the key's project")
  void validSignedDatagrams() throws Exception {
    byte[] slowGet = Fixtures.php("wire/slow_get.json").getBytes();
    send(signed("shop", TestListener.SHOP_KEY, now(), slowGet));
    awaitStored(Fixtures.SLOW_GET_CORRELATION);
    var row = listener.rows("SELECT * FROM records WHERE correlation_id = ?", Fixtures.SLOW_GET_CORRELATION).get(0);
    assertEquals("shop", row.get("project"));
    assertEquals("php", row.get("kind"));
    assertEquals("/orders", row.get("route"));
    assertEquals(47, row.get("sql_count"));

    String pgId = UUID.randomUUID().toString();
    JsonObject envelope = new JsonObject(Fixtures.pg("pg_locks.json")).put("correlation_id", pgId);
    send(signed("shop", TestListener.SHOP_KEY, now(), envelope.toBuffer().getBytes()));
    awaitLinked(pgId);
    assertEquals("pg_locks", listener.rows("SELECT r.source FROM records r JOIN record_links l ON l.record_id = r.id"
        + " WHERE l.correlation_id = ?", pgId).get(0).get("source"));
    assertTrue(listener.metric("bitville_udp_records_stored_total", null) >= 2);
  }

  @Test
  @DisplayName("Unsigned raw JSON only for a project with udpUnsigned=true")
  void unsignedLegacy() throws Exception {
    String allowed = UUID.randomUUID().toString();
    send(php(allowed).put("project", "other").toBuffer().getBytes());
    awaitStored(allowed);
    assertEquals("other", listener.rows("SELECT project FROM records WHERE correlation_id = ?", allowed).get(0)
        .get("project"));
    String refused = UUID.randomUUID().toString();
    assertDropped("unsigned_not_allowed", php(refused).put("project", "shop").toBuffer().getBytes(), refused);
    String unknown = UUID.randomUUID().toString();
    assertDropped("unknown_project", php(unknown).put("project", "nope").toBuffer().getBytes(), unknown);
  }

  @Test
  @DisplayName("Bad signature, stale, oversize, invalid JSON, invalid payload, unknown project, malformed header")
  void everyBadKind() throws Exception {
    String id = UUID.randomUUID().toString();
    byte[] body = php(id).toBuffer().getBytes();
    assertDropped("bad_signature", signed("shop", TestListener.OTHER_KEY, now(), body), id);
    byte[] tampered = signed("shop", TestListener.SHOP_KEY, now(), body);
    tampered[tampered.length - 2] ^= 1;
    assertDropped("bad_signature", tampered, id);
    assertDropped("bad_signature", signed("other", TestListener.SHOP_KEY, now(), body), id);
    assertDropped("stale", signed("shop", TestListener.SHOP_KEY, now() - 301, body), id);
    assertDropped("stale", signed("shop", TestListener.SHOP_KEY, now() + 400, body), id);
    JsonObject big = php(id).put("custom", new JsonObject().put("pad", "x".repeat(61_000)));
    assertDropped("oversize", signed("shop", TestListener.SHOP_KEY, now(), big.toBuffer().getBytes()), id);
    assertDropped("invalid_json", signed("shop", TestListener.SHOP_KEY, now(),
        ("{\"correlation_id\":\"" + id + "\",").getBytes(StandardCharsets.UTF_8)), id);
    JsonObject noDuration = php(id);
    noDuration.remove("elapsed_ms");
    noDuration.remove("timing");
    assertDropped("invalid_payload", signed("shop", TestListener.SHOP_KEY, now(), noDuration.toBuffer().getBytes()),
        id);
    assertDropped("unknown_project", signed("nope", TestListener.SHOP_KEY, now(), body), id);
    assertDropped("malformed", ("BV1 shop " + now() + " abc\n{}").getBytes(StandardCharsets.US_ASCII), null);
    assertDropped("malformed", "hello".getBytes(StandardCharsets.US_ASCII), null);
    send(signed("shop", TestListener.SHOP_KEY, now(), body));
    awaitStored(id);
  }

  @Test
  @DisplayName("A captured signed datagram sent again within its window is dropped as replayed, stored once")
  void replayedDatagramIsDropped() throws Exception {
    String pgId = UUID.randomUUID().toString();
    JsonObject envelope = new JsonObject(Fixtures.pg("system_metrics.json")).put("correlation_id", pgId)
        .put("timestamp", System.currentTimeMillis() / 1000.0);
    byte[] datagram = signed("shop", TestListener.SHOP_KEY, now(), envelope.toBuffer().getBytes());
    send(datagram);
    awaitStored(pgId);
    assertDropped("replayed", datagram, null);
    assertDropped("replayed", datagram, null);
    assertEquals(1, stored(pgId), "the replays stored nothing");
  }

  @Test
  @DisplayName("A flood beyond maxInFlight is dropped as storage_busy and counted; memory use stays bounded")
  void floodIsBounded() throws Exception {
    try (TestListener small = TestListener.start(new JsonObject().put("udp", new JsonObject().put("maxInFlight", 1)))) {
      JsonObject envelope = new JsonObject(Fixtures.pg("system_metrics.json"));
      double busyBefore = small.metric("bitville_udp_dropped_total", "reason=\"storage_busy\"");
      long recordsBefore = small.count("SELECT count(*) FROM records");
      for (int i = 0; i < 300; i++) {
        byte[] body = envelope.put("correlation_id", UUID.randomUUID().toString()).toBuffer().getBytes();
        byte[] datagram = SignedDatagram.sign("shop", now(), body, SignedDatagram.keyOf(TestListener.SHOP_KEY));
        socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), small.udpPort()));
      }
      Thread.sleep(1_000);
      double busy = small.metric("bitville_udp_dropped_total", "reason=\"storage_busy\"") - busyBefore;
      long storedNow = small.count("SELECT count(*) FROM records") - recordsBefore;
      double received = small.metric("bitville_udp_datagrams_total", null);
      System.out.println("UDP flood: 300 sent, " + received + " received, " + storedNow + " stored, " + busy
          + " dropped as storage_busy");
      assertTrue(busy > 0, "with one store in flight, a burst must be shed");
      assertTrue(storedNow >= 1);
      assertTrue(storedNow + busy <= 300);
    }
  }

  @Test
  @DisplayName("Sender and verifier share one definition: HMAC key = SHA-256(API key)")
  void signerRoundTrip() throws Exception {
    byte[] datagram = signed("shop", TestListener.SHOP_KEY, 1_700_000_000L, "{}".getBytes(StandardCharsets.UTF_8));
    SignedDatagram.Parsed parsed = SignedDatagram.parse(datagram);
    assertTrue(SignedDatagram.verify(parsed, SignedDatagram.keyOf(TestListener.SHOP_KEY)));
    assertTrue(!SignedDatagram.verify(parsed, SignedDatagram.keyOf(TestListener.OTHER_KEY)));
    String header = new String(datagram, StandardCharsets.US_ASCII).split("\n")[0];
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(java.security.MessageDigest.getInstance("SHA-256")
        .digest(TestListener.SHOP_KEY.getBytes(StandardCharsets.UTF_8)), "HmacSHA256"));
    String expected = java.util.HexFormat.of().formatHex(mac.doFinal("shop 1700000000\n{}".getBytes(
        StandardCharsets.UTF_8)));
    assertEquals("BV1 shop 1700000000 " + expected, header, "documented construction, computed independently");
  }
}
