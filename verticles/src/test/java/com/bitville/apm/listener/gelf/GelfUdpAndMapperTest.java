package com.bitville.apm.listener.gelf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.model.PayloadCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GELF over UDP (gzip, chunked) and the mapper's limits")
class GelfUdpAndMapperTest {

  @Test
  @DisplayName("transport udp: a 55 KB payload arrives as gzip chunks that reassemble into a valid GELF message")
  void udpChunkedGzip() throws Exception {
    try (DatagramSocket graylog = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      graylog.setSoTimeout(200);
      JsonObject config = new JsonObject().put("graylog", GelfForwardingTest.graylog(graylog.getLocalPort())
          .put("transport", "udp"));
      try (TestListener listener = TestListener.start(config)) {
        var vertx = io.vertx.core.Vertx.vertx();
        var client = listener.httpsClient(vertx);
        HttpResponse<Buffer> response = Await.result(client.post("/ingest/php")
            .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
            .putHeader("Content-Type", "application/json").sendBuffer(Fixtures.php("wire/slow_get.json")));
        assertEquals(200, response.statusCode());
        long id = response.bodyAsJsonObject().getJsonArray("ids").getLong(0);
        String raw = receiveOne(graylog, 15_000);
        JsonObject message = new JsonObject(raw);
        assertEquals(id, message.getLong("_record_id"));
        assertEquals("1.1", message.getString("version"));
        assertEquals(List.of(), GelfTestReceiver.check(message, raw));
        client.close();
        Await.result(vertx.close());
      }
    }
  }

  /** Collects chunks (or a single gzip datagram) until one message is complete, then gunzips and parses it. */
  private static String receiveOne(DatagramSocket socket, long timeoutMs) throws Exception {
    Map<Long, TreeMap<Integer, byte[]>> pending = new HashMap<>();
    long deadline = System.currentTimeMillis() + timeoutMs;
    byte[] buffer = new byte[65_536];
    while (System.currentTimeMillis() < deadline) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
      } catch (SocketTimeoutException e) {
        continue;
      }
      ByteBuffer data = ByteBuffer.wrap(packet.getData(), 0, packet.getLength());
      if (data.get(0) == 0x1e && data.get(1) == 0x0f) {
        long messageId = data.getLong(2);
        int seq = data.get(10);
        int count = data.get(11);
        assertTrue(count <= 128);
        byte[] chunk = new byte[packet.getLength() - 12];
        System.arraycopy(packet.getData(), 12, chunk, 0, chunk.length);
        TreeMap<Integer, byte[]> parts = pending.computeIfAbsent(messageId, k -> new TreeMap<>());
        parts.put(seq, chunk);
        if (parts.size() == count) {
          ByteArrayOutputStream whole = new ByteArrayOutputStream();
          for (byte[] part : parts.values()) {
            whole.write(part);
          }
          return gunzip(whole.toByteArray());
        }
      } else {
        byte[] single = new byte[packet.getLength()];
        System.arraycopy(packet.getData(), 0, single, 0, single.length);
        return gunzip(single);
      }
    }
    throw new AssertionError("no complete GELF UDP message arrived");
  }

  private static String gunzip(byte[] bytes) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static JsonObject record(String payload) {
    return new JsonObject().put("id", 7L).put("project", "shop").put("kind", "php").put("source", "php")
        .put("event_time_ms", 1_795_457_875_000L).put("summary", "GET / 1 ms (php) [shop]").put("node", "n1")
        .put("payload", PayloadCodec.compress(payload));
  }

  @Test
  @DisplayName("A corrupt stored payload is unsendable (marked failed), never an empty or invalid frame")
  void corruptPayloadIsUnsendable() {
    GelfMapper mapper = new GelfMapper(256 * 1024, 2000);
    JsonObject corrupt = record("{}").put("payload", new byte[] {1, 2, 3});
    assertThrows(GelfMapper.UnsendableException.class, () -> mapper.encode(corrupt));
  }

  @Test
  @DisplayName("Timestamp keeps decimals at whole seconds; host falls back to the node; no blank fields")
  void edgeCases() throws Exception {
    GelfMapper mapper = new GelfMapper(256 * 1024, 2000);
    String frame = new String(mapper.encode(record("{\"correlation_id\":\"x\"}")), StandardCharsets.UTF_8);
    assertTrue(frame.contains("\"timestamp\":1795457875.000"), frame);
    JsonObject gelf = new JsonObject(frame);
    assertEquals("n1", gelf.getString("host"));
    assertEquals("none", gelf.getString("_correlation_id"));
    assertEquals(6, gelf.getInteger("level"));
    assertEquals(List.of(), GelfTestReceiver.check(gelf, frame));
  }

  @Test
  @DisplayName("full_message is cut on a UTF-8 character boundary, within the byte cap, with a marker")
  void capBytes() {
    String text = "ä".repeat(10_000);
    String cut = GelfMapper.capBytes(text, 1_001);
    assertTrue(cut.getBytes(StandardCharsets.UTF_8).length <= 1_001);
    assertTrue(cut.startsWith("ää") && cut.contains("[truncated: 20000 bytes"));
    assertEquals(-1, cut.indexOf('\uFFFD'), "no broken character");
  }

  @Test
  @DisplayName("UDP chunking refuses more than 128 chunks instead of sending a message Graylog would drop")
  void chunkLimit() {
    assertEquals(1, GelfUdpTransport.chunks(new byte[1000], 1420, 1).size());
    assertEquals(3, GelfUdpTransport.chunks(new byte[3000], 1420, 1).size());
    assertThrows(IllegalArgumentException.class, () -> GelfUdpTransport.chunks(new byte[200_000], 1420, 1));
  }
}
