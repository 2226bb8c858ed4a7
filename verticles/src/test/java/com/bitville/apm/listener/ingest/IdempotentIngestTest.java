package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.SharedListener;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.udp.SignedDatagram;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A PHP request sent again (a retry, a re-imported buffer file, HTTP and UDP) is stored once, answered the same. */
class IdempotentIngestTest {

  @RegisterExtension
  static final SharedListener SHARED = new SharedListener();

  @Test
  @DisplayName("The same request twice over HTTP: one row, the same id, the second marked duplicate")
  void sameRequestTwice() throws Exception {
    Buffer body = Fixtures.php("wire/slow_post.json");
    JsonObject first = post(TestListener.SHOP_KEY, body);
    JsonObject second = post(TestListener.SHOP_KEY, body);
    assertEquals(first.getJsonArray("ids"), second.getJsonArray("ids"));
    assertEquals(item(first.getLong("id0"), false), first.getJsonArray("items").getJsonObject(0));
    assertEquals(item(first.getJsonArray("ids").getLong(0), true), second.getJsonArray("items").getJsonObject(0));
    assertEquals(1, second.getInteger("accepted"));
    assertEquals(1, rows(Fixtures.SLOW_POST_CORRELATION, "shop"));
  }

  @Test
  @DisplayName("A batch repeating a request and a batch re-sent: every request once, ids stable, duplicates marked")
  void batches() throws Exception {
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    JsonArray batch = new JsonArray().add(payload(a)).add(payload(b)).add(payload(a.toUpperCase()));
    JsonObject first = post(TestListener.SHOP_KEY, batch.toBuffer());
    JsonArray ids = first.getJsonArray("ids");
    assertEquals(ids.getLong(0), ids.getLong(2), "same correlation id (case-insensitive UUID) in one batch");
    assertNotEquals(ids.getLong(0), ids.getLong(1));
    assertEquals(List.of(false, false, true), duplicates(first));
    JsonObject again = post(TestListener.SHOP_KEY, batch.toBuffer());
    assertEquals(ids, again.getJsonArray("ids"));
    assertEquals(List.of(true, true, true), duplicates(again));
    assertEquals(1, rows(a, "shop"));
    assertEquals(1, rows(b, "shop"));
  }

  @Test
  @DisplayName("The same correlation id in another project is another request")
  void perProject() throws Exception {
    String id = UUID.randomUUID().toString();
    JsonObject shop = post(TestListener.SHOP_KEY, payload(id).toBuffer());
    JsonObject other = post(TestListener.OTHER_KEY, payload(id).toBuffer());
    assertNotEquals(shop.getJsonArray("ids"), other.getJsonArray("ids"));
    assertEquals(List.of(false), duplicates(other));
    assertEquals(1, rows(id, "shop"));
    assertEquals(1, rows(id, "other"));
  }

  @Test
  @DisplayName("Through UDP: a request already stored over HTTP is not stored again, and the other way round")
  void throughUdp() throws Exception {
    String viaHttp = UUID.randomUUID().toString();
    long httpId = post(TestListener.SHOP_KEY, payload(viaHttp).toBuffer()).getJsonArray("ids").getLong(0);
    String viaUdp = UUID.randomUUID().toString();
    try (DatagramSocket socket = new DatagramSocket()) {
      sendUdp(socket, payload(viaHttp));
      sendUdp(socket, payload(viaUdp));
      sendUdp(socket, payload(viaUdp));
      awaitRow(viaUdp);
      String marker = UUID.randomUUID().toString();
      sendUdp(socket, payload(marker));
      awaitRow(marker);
    }
    assertEquals(1, rows(viaHttp, "shop"));
    assertEquals(1, rows(viaUdp, "shop"));
    long udpId = ((Number) SHARED.listener().rows("SELECT id FROM records WHERE correlation_id = ?", viaUdp).get(0).get("id"))
        .longValue();
    JsonObject answer = post(TestListener.SHOP_KEY, payload(viaUdp).toBuffer());
    assertEquals(item(udpId, true), answer.getJsonArray("items").getJsonObject(0));
    assertEquals(httpId, ((Number) SHARED.listener().rows("SELECT id FROM records WHERE correlation_id = ?", viaHttp).get(0)
        .get("id")).longValue());
  }

  private static JsonObject payload(String correlationId) {
    return Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", correlationId);
  }

  private static JsonObject post(String key, Buffer body) throws Exception {
    HttpResponse<Buffer> response = Await.result(SHARED.client().post("/ingest/php").putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json").sendBuffer(body));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    JsonObject answer = response.bodyAsJsonObject();
    return answer.put("id0", answer.getJsonArray("ids").getLong(0));
  }

  private static JsonObject item(long id, boolean duplicate) {
    return new JsonObject().put("id", id).put("duplicate", duplicate);
  }

  private static List<Boolean> duplicates(JsonObject answer) {
    return answer.getJsonArray("items").stream().map(i -> ((JsonObject) i).getBoolean("duplicate")).toList();
  }

  private static long rows(String correlationId, String project) throws Exception {
    return SHARED.listener().count("SELECT count(*) FROM records WHERE lower(correlation_id) = lower(?) AND project = ?",
        correlationId, project);
  }

  private static void sendUdp(DatagramSocket socket, JsonObject payload) throws Exception {
    byte[] datagram = SignedDatagram.sign("shop", System.currentTimeMillis() / 1000, payload.toBuffer().getBytes(),
        SignedDatagram.keyOf(TestListener.SHOP_KEY));
    socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), SHARED.listener().udpPort()));
  }

  private static void awaitRow(String correlationId) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (rows(correlationId, "shop") == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, rows(correlationId, "shop"), correlationId + " was not stored");
  }
}
