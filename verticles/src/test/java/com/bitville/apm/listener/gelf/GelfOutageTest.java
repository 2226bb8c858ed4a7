package com.bitville.apm.listener.gelf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Graylog outage: nothing is lost, order is kept, across a listener restart")
class GelfOutageTest {

  static final int TOTAL = 10_000;
  static final int BATCH = 500;
  static final int MAX_DUPLICATES = 50;

  private final Vertx vertx = Vertx.vertx();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private Path dataDir;

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    Await.result(vertx.close());
    if (dataDir != null) {
      TestListener.deleteRecursively(dataDir);
    }
  }

  static JsonObject smallPayload() {
    return Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", UUID.randomUUID().toString());
  }

  static List<Long> ingest(TestListener listener, WebClient client, int count) throws Exception {
    List<Long> ids = new ArrayList<>(count);
    for (int sent = 0; sent < count; sent += BATCH) {
      JsonArray batch = new JsonArray();
      for (int i = 0; i < Math.min(BATCH, count - sent); i++) {
        batch.add(smallPayload());
      }
      HttpResponse<Buffer> response = Await.result(client.post("/ingest/php")
          .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
          .putHeader("Content-Type", "application/json").sendBuffer(batch.toBuffer()));
      assertEquals(200, response.statusCode(), response.bodyAsString());
      response.bodyAsJsonObject().getJsonArray("ids").forEach(id -> ids.add(((Number) id).longValue()));
    }
    return ids;
  }

  @Test
  @DisplayName("10,000 records ingested while Graylog is down, listener restarted midway: all arrive, in id order")
  void outageWithRestart() throws Exception {
    int port = TestListener.freePort();
    dataDir = Files.createTempDirectory("bitville-outage-");
    JsonObject overrides = new JsonObject().put("graylog", GelfForwardingTest.graylog(port))
        .put("ingest", new JsonObject().put("rateLimit", new JsonObject().put("perKeyPerSecond", 10_000)));
    List<Long> expected = new ArrayList<>();

    TestListener first = TestListener.start(dataDir, overrides);
    WebClient firstClient = first.httpsClient(vertx);
    expected.addAll(ingest(first, firstClient, TOTAL / 2));
    firstClient.close();
    first.stop();
    assertEquals(0L, first.count("SELECT forwarded_id FROM gelf_outbox"), "nothing forwarded while Graylog is down");

    TestListener second = TestListener.start(dataDir, overrides);
    resources.add(second::stop);
    WebClient client = second.httpsClient(vertx);
    resources.add(client::close);
    expected.addAll(ingest(second, client, TOTAL / 2));
    assertEquals(TOTAL, second.count("SELECT count(*) FROM records WHERE id > "
        + "(SELECT forwarded_id FROM gelf_outbox)"), "the whole backlog is waiting in the outbox");

    GelfTestReceiver receiver = new GelfTestReceiver(vertx).start(port);
    resources.add(receiver);
    assertTrue(receiver.awaitDistinctWhileProgressing(TOTAL, 30_000, 300_000), "only " + receiver.distinctRecords() + " of " + TOTAL
        + " arrived; violations: " + receiver.violations());

    List<Long> arrivals = receiver.arrivalOrder();
    assertEquals(new HashSet<>(expected), new HashSet<>(arrivals), "exactly the stored records arrived");
    assertInIdOrder(arrivals);
    int duplicates = arrivals.size() - new HashSet<>(arrivals).size();
    System.out.println("GELF outage test: " + TOTAL + " records, " + duplicates + " duplicates, "
        + receiver.connectionsAccepted() + " connection(s)");
    assertTrue(duplicates <= MAX_DUPLICATES, duplicates + " duplicates");
    assertEquals(List.of(), receiver.violations());
    awaitCursor(second, expected.get(expected.size() - 1));
  }

  @Test
  @DisplayName("Graylog drops the connection in the middle of a replay: the unconfirmed tail is sent again")
  void connectionDroppedMidReplay() throws Exception {
    int port = TestListener.freePort();
    TestListener listener = TestListener.start(new JsonObject().put("graylog", GelfForwardingTest.graylog(port)));
    resources.add(listener);
    WebClient client = listener.httpsClient(vertx);
    resources.add(client::close);
    List<Long> expected = ingest(listener, client, 3_000);
    GelfTestReceiver receiver = new GelfTestReceiver(vertx).start(port);
    resources.add(receiver);
    assertTrue(receiver.awaitDistinctWhileProgressing(500, 30_000, 180_000), receiver.distinctRecords() + " arrived");
    receiver.stop();
    awaitForwarderDisconnected(listener);
    receiver.start(port);
    assertTrue(receiver.awaitDistinctWhileProgressing(3_000, 30_000, 300_000), receiver.distinctRecords()
        + " arrived");
    Set<Long> arrived = new HashSet<>(receiver.arrivalOrder());
    assertTrue(arrived.containsAll(expected));
    int duplicates = receiver.arrivalOrder().size() - arrived.size();
    System.out.println("GELF drop test: 3000 records, " + duplicates + " duplicates after one dropped connection");
    assertEquals(List.of(), receiver.violations());
  }

  /** The forwarder noticed the dropped connection (or got through everything before the drop). */
  private static void awaitForwarderDisconnected(TestListener listener) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject status = Await.result(listener.vertx().eventBus().<JsonObject>request(
          Addresses.NODE_STATUS_PREFIX + "gelf-forwarder", new JsonObject())).body();
      if (!status.getBoolean("connected", false)) {
        return;
      }
      Thread.sleep(20);
    }
  }

  /** Every record arrives after all smaller ids' first arrival; a resend may repeat a tail, never skip. */
  static void assertInIdOrder(List<Long> arrivals) {
    long highest = 0;
    Set<Long> seen = new HashSet<>();
    for (Long id : arrivals) {
      if (seen.add(id)) {
        assertTrue(id > highest, "record " + id + " arrived after " + highest);
        highest = id;
      }
    }
  }

  static void awaitCursor(TestListener listener, long id) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (listener.count("SELECT forwarded_id FROM gelf_outbox") < id && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(id, listener.count("SELECT forwarded_id FROM gelf_outbox"), "durable cursor reached the last id");
  }
}
