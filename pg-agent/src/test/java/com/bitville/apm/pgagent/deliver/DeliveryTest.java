package com.bitville.apm.pgagent.deliver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.pgagent.support.TestReceiver;
import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Delivery against a real HTTPS receiver with a self-signed certificate. */
class DeliveryTest {

  private Vertx vertx;
  private Context context;
  private TestReceiver receiver;
  private Path state;
  private Shipper shipper;
  private Batcher batcher;
  private DiskQueue queue;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    receiver = new TestReceiver(vertx, PgServer.freePort());
    state = com.bitville.apm.pgagent.support.TempDirs.create("pgagent-delivery-");
  }

  @AfterEach
  void tearDown() {
    if (shipper != null) {
      context.runOnContext(v -> shipper.stop());
    }
    receiver.close();
    vertx.close();
  }

  private void startAgentSide(Consumer<JsonObject> tweak) throws Exception {
    JsonObject json = TestConfigs.base(1, "postgres", receiver.url(), state);
    tweak.accept(json.getJsonObject("delivery"));
    AgentConfig.Delivery config = TestConfigs.config(json).delivery();
    queue = new DiskQueue(config.queueDir(), config.queueMaxBytes());
    Sql.on(context, () -> {
      shipper = new Shipper(vertx, config, queue);
      batcher = new Batcher(vertx, queue, 3, 1 << 20, 100_000, config.gzip(), shipper::wake);
      shipper.start();
      return io.vertx.core.Future.succeededFuture();
    });
  }

  private void send(int from, int count) {
    List<PgEnvelope> envelopes = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      envelopes.add(new PgEnvelope("", "shop", 1763920630.5 + i, "pg_stat_activity", "db1",
          new JsonObject().put("seq", i)));
    }
    Sql.on(context, () -> {
      batcher.add(envelopes);
      return batcher.flush();
    });
  }

  private List<Integer> receivedSeqs() {
    return receiver.records().stream().map(r -> r.getJsonObject("data").getInteger("seq")).toList();
  }

  @Test
  @DisplayName("A pinned self-signed listener receives gzip NDJSON envelopes with the bearer key, in order")
  void pinnedDelivery() throws Exception {
    receiver.start();
    startAgentSide(d -> { });
    send(0, 7);
    Sql.eventually(5_000, "7 records", () -> receiver.records().size() == 7);
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), receivedSeqs(), "FIFO across batches of 3");
    JsonObject first = receiver.records().get(0);
    assertEquals("shop", first.getString("project"));
    assertEquals("pg_stat_activity", first.getString("source"));
    assertEquals("", first.getString("correlation_id"));
    Sql.eventually(2_000, "queue emptied", () -> queue.depth() == 0);
    assertEquals(7, shipper.stats().sentRecords());
  }

  @Test
  @DisplayName("A certificate that does not match the pin is refused: nothing is sent, the batch stays queued")
  void wrongPin() throws Exception {
    receiver.start();
    startAgentSide(d -> d.put("pin_sha256", "00".repeat(32)));
    send(0, 2);
    Sql.eventually(5_000, "failed attempts", () -> shipper.stats().retries() >= 2);
    assertEquals(0, receiver.answered().size(), "the TLS handshake failed before any request");
    assertEquals(1, queue.depth());
  }

  @Test
  @DisplayName("A CA file verifies the listener with host-name checking on")
  void caFile() throws Exception {
    receiver.start();
    startAgentSide(d -> d.put("pin_sha256", "").put("ca_file", TestReceiver.certPem().toString())
        .put("verify_host", true));
    send(0, 2);
    Sql.eventually(5_000, "2 records", () -> receiver.records().size() == 2);
  }

  @Test
  @DisplayName("401 and 400 are permanent: the batch is logged, dropped and counted, later batches still flow")
  void permanentAnswers() throws Exception {
    receiver.start();
    startAgentSide(d -> d.put("api_key", "wrong-key"));
    send(0, 3);
    Sql.eventually(5_000, "401 settled", () -> shipper.stats().droppedPermanentRecords() == 3);
    Sql.eventually(2_000, "batch removed from the queue", () -> queue.depth() == 0);
    Thread.sleep(500);
    assertEquals(List.of(401), receiver.answered(), "not retried");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "HTTP {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {400, 413, 415})
  @DisplayName("400, 413 and 415 are permanent too; the next batch still goes through")
  void badRequest(int status) throws Exception {
    receiver.start();
    receiver.answer(() -> status);
    startAgentSide(d -> { });
    send(0, 3);
    Sql.eventually(5_000, "400 settled", () -> shipper.stats().droppedPermanentRecords() == 3);
    receiver.answer(() -> 200);
    send(3, 1);
    Sql.eventually(5_000, "next batch delivered", () -> receiver.records().size() == 1);
    assertEquals(List.of(status, 200), receiver.answered());
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "HTTP {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {429, 503})
  @DisplayName("429 and 503 are retried no earlier than Retry-After, then delivered")
  void retryAfter(int status) throws Exception {
    receiver.start();
    receiver.retryAfter("2");
    int[] calls = {0};
    receiver.answer(() -> calls[0]++ == 0 ? status : 200);
    startAgentSide(d -> { });
    long start = System.currentTimeMillis();
    send(0, 3);
    Sql.eventually(8_000, "delivered after 503", () -> receiver.records().size() == 3);
    long elapsed = System.currentTimeMillis() - start;
    assertTrue(elapsed >= 1_900, "waited for Retry-After (2 s), not the 200 ms backoff: " + elapsed);
    assertEquals(List.of(status, 200), receiver.answered());
  }

  @Test
  @DisplayName("A partly rejected batch (200 with rejected items) counts the rejected records as dropped, no retry")
  void partialRejection() throws Exception {
    receiver.start();
    receiver.rejectFirstItem(true);
    startAgentSide(d -> { });
    send(0, 3);
    Sql.eventually(5_000, "batch settled", () -> queue.depth() == 0 && receiver.records().size() == 2);
    assertEquals(1, shipper.stats().droppedPermanentRecords());
    assertEquals(2, shipper.stats().sentRecords());
    assertEquals(List.of(200), receiver.answered());
  }

  @Test
  @DisplayName("While the listener is down records wait on disk and are replayed as soon as it is back")
  void listenerDownThenUp() throws Exception {
    startAgentSide(d -> { });
    send(0, 6);
    Sql.eventually(5_000, "attempts fail", () -> shipper.stats().retries() >= 1);
    assertEquals(2, queue.depth(), "both batches are on disk (flush waits for every earlier write)");
    receiver.start();
    Sql.eventually(8_000, "replayed without restart", () -> receiver.records().size() == 6);
    assertEquals(List.of(0, 1, 2, 3, 4, 5), receivedSeqs());
  }

  @Test
  @DisplayName("The breaker opens after breaker_max_failures failures in a row; a probe resumes delivery within seconds")
  void breakerOpensAndProbeResumes() throws Exception {
    startAgentSide(d -> d.put("retry_initial_ms", 200).put("retry_max_ms", 60_000).put("breaker_max_failures", 5)
        .put("breaker_reset_ms", 60_000).put("probe_interval_ms", 500));
    send(0, 3);
    Sql.eventually(20_000, "five failed deliveries", () -> shipper.stats().retries() >= 5);
    Sql.eventually(2_000, "breaker open", () -> "OPEN".equals(shipper.breakerState()));
    assertEquals(5, shipper.stats().retries(), "opens at the fifth failure, as documented");
    Thread.sleep(1_500);
    assertEquals(5, shipper.stats().retries(), "an open breaker sends nothing");
    long back = System.currentTimeMillis();
    receiver.start();
    Sql.eventually(30_000, "delivered soon after the listener is back", () -> receiver.records().size() == 3);
    long tookMs = System.currentTimeMillis() - back;
    assertTrue(tookMs < 15_000, "resumed " + tookMs + " ms after the listener came back, not after the 60 s pause");
    Sql.eventually(2_000, "breaker closed", () -> "CLOSED".equals(shipper.breakerState()));
  }
}
