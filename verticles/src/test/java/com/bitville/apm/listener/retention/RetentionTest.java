package com.bitville.apm.listener.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Retention deletes expired records with their child rows and keeps the file size bounded")
class RetentionTest {

  private static final long DAY_SECONDS = 86_400;
  private static final long BUDGET_BYTES = 3 * 512 * 1024;
  private final Vertx vertx = Vertx.vertx();
  private TestListener listener;
  private WebClient client;

  @AfterEach
  void cleanUp() throws Exception {
    if (client != null) {
      client.close();
    }
    if (listener != null) {
      listener.close();
    }
    Await.result(vertx.close());
  }

  private void start(JsonObject retention, JsonObject graylog) throws Exception {
    JsonObject overrides = new JsonObject().put("retention", retention.put("initialDelayMs", 3_600_000))
        .put("ingest", new JsonObject().put("rateLimit", new JsonObject().put("perKeyPerSecond", 10_000)));
    if (graylog != null) {
      overrides.put("graylog", graylog);
    }
    listener = TestListener.start(overrides);
    client = listener.httpsClient(vertx);
  }

  /** slow_get (47 SQL rows, functions, a correlation link) aged {@code ageSeconds}, {@code count} times. */
  private List<Long> ingest(String key, int count, double ageSeconds) throws Exception {
    JsonObject template = Fixtures.phpJson("wire/slow_get.json");
    List<Long> ids = new ArrayList<>();
    for (int sent = 0; sent < count; sent += 30) {
      JsonArray batch = new JsonArray();
      for (int i = 0; i < Math.min(30, count - sent); i++) {
        batch.add(template.copy().put("correlation_id", UUID.randomUUID().toString())
            .put("timestamp", System.currentTimeMillis() / 1000.0 - ageSeconds));
      }
      HttpResponse<Buffer> response = Await.result(client.post("/ingest/php").putHeader("Authorization",
          "Bearer " + key).putHeader("Content-Type", "application/json").sendBuffer(batch.toBuffer()));
      assertEquals(200, response.statusCode(), response.bodyAsString());
      response.bodyAsJsonObject().getJsonArray("ids").forEach(id -> ids.add(((Number) id).longValue()));
    }
    return ids;
  }

  private void awaitRollupCaughtUp() throws Exception {
    String behind = "SELECT count(*) FROM records WHERE id > (SELECT rolled_id FROM rollup_cursor WHERE name = 'rollup')";
    long deadline = System.currentTimeMillis() + 120_000;
    while (listener.count(behind) > 0) {
      assertTrue(System.currentTimeMillis() < deadline, "the rollup did not catch up within 120 s");
      Thread.sleep(100);
    }
  }

  private JsonObject run() throws Exception {
    return Await.result(listener.vertx().eventBus().<JsonObject>request(Addresses.RETENTION_RUN, new JsonObject(),
        new DeliveryOptions().setSendTimeout(60_000))).body();
  }

  /** Single young records from one sender, one after the other, until {@code go} is cleared or {@code max}. */
  private Future<Integer> keepIngesting(AtomicBoolean go, int max, int sent) {
    if (!go.get() || sent >= max) {
      return Future.succeededFuture(sent);
    }
    Buffer body = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", UUID.randomUUID().toString())
        .put("timestamp", System.currentTimeMillis() / 1000.0).toBuffer();
    return client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(body)
        .compose(response -> response.statusCode() == 200 ? keepIngesting(go, max, sent + 1)
            : Future.failedFuture("ingest answered " + response.statusCode() + ": " + response.bodyAsString()));
  }

  @Test
  @DisplayName("A run while ingest keeps committing deletes everything expired and fails nothing")
  void runDuringIngest() throws Exception {
    start(new JsonObject().put("days", 1).put("batchSize", 10).put("pauseMs", 0), null);
    ingest(TestListener.SHOP_KEY, 600, 3 * DAY_SECONDS);
    AtomicBoolean go = new AtomicBoolean(true);
    List<Future<Integer>> senders = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      senders.add(keepIngesting(go, 2_000, 0));
    }
    JsonObject summary;
    try {
      summary = run();
    } finally {
      go.set(false);
    }
    int young = 0;
    for (Future<Integer> sender : senders) {
      young += Await.result(sender);
    }
    assertEquals(600, summary.getLong("rows_deleted"), summary.encode());
    assertTrue(young > 0, "ingest ran during the retention run");
    assertEquals(young, listener.count("SELECT count(*) FROM records"), "every young record stays");
  }

  private long fileBytes() throws Exception {
    Path db = listener.databaseFile();
    Path wal = Path.of(db + "-wal");
    return Files.size(db) + (Files.exists(wal) ? Files.size(wal) : 0);
  }

  @Test
  @DisplayName("Old records and their correlation links go; young ones and "
      + "per-project overrides stay; expired unforwarded records are counted")
  void expiresByAge() throws Exception {
    start(new JsonObject().put("days", 1).put("batchSize", 100).put("pauseMs", 0)
            .put("projects", new JsonObject().put("other", new JsonObject().put("days", 10))),
        new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", TestListener.freePort())
            .put("backoffMaxMs", 5_000));
    List<Long> old = ingest(TestListener.SHOP_KEY, 500, 3 * DAY_SECONDS);
    List<Long> young = ingest(TestListener.SHOP_KEY, 50, 60);
    List<Long> otherOld = ingest(TestListener.OTHER_KEY, 20, 3 * DAY_SECONDS);
    JsonObject pg = new JsonObject(Fixtures.pg("pg_locks.json")).put("timestamp",
        System.currentTimeMillis() / 1000.0 - 5 * DAY_SECONDS);
    long oldPg = Await.result(client.post("/ingest/postgres").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(pg.toBuffer())).bodyAsJsonObject()
        .getJsonArray("ids").getLong(0);
    assertTrue(listener.count("SELECT count(*) FROM record_links WHERE record_id = ?", oldPg) > 0);
    double deletedBefore = listener.metric("bitville_retention_rows_deleted_total", null);

    JsonObject summary = run();

    assertEquals(501, summary.getLong("rows_deleted"), summary.encode());
    assertEquals(501, summary.getLong("expired_unforwarded"), "Graylog was down: none had been forwarded");
    assertEquals(0, listener.count("SELECT count(*) FROM records WHERE project = 'shop' AND event_time_ms < ?",
        System.currentTimeMillis() - DAY_SECONDS * 1000));
    assertEquals(young.size(), listener.count("SELECT count(*) FROM records WHERE project = 'shop'"));
    assertEquals(otherOld.size(), listener.count("SELECT count(*) FROM records WHERE project = 'other'"),
        "project 'other' keeps 10 days");
    assertEquals(0, listener.count("SELECT count(*) FROM record_links WHERE record_id = ?", oldPg));
    assertEquals(0, listener.count("SELECT count(*) FROM record_links c WHERE NOT EXISTS "
        + "(SELECT 1 FROM records r WHERE r.id = c.record_id)"), "links of deleted records");
    assertNotNull(summary.getLong("oldest_event_time_ms"));
    assertTrue(listener.metric("bitville_retention_rows_deleted_total", null) >= deletedBefore + 501);
    assertTrue(listener.metrics().contains("bitville_retention_oldest_record_timestamp_seconds"));
    JsonObject status = Await.result(listener.vertx().eventBus().<JsonObject>request(
        Addresses.NODE_STATUS_PREFIX + "retention", new JsonObject(),
        new DeliveryOptions().setSendTimeout(2_000))).body();
    assertEquals(501, status.getJsonObject("last_run").getLong("rows_deleted"));
    assertEquals(0, run().getLong("rows_deleted"), "a second run finds nothing more");
  }

  @Test
  @DisplayName("Repeated ingest-and-expire cycles: the file stops growing (freed pages reused or returned)")
  void fileSizeBounded() throws Exception {
    start(new JsonObject().put("days", 1).put("batchSize", 200).put("pauseMs", 0).put("freePagesReserve", 256),
        null);
    assertEquals(2, listener.count("PRAGMA auto_vacuum"), "a new file is created with auto_vacuum=INCREMENTAL");
    ingest(TestListener.SHOP_KEY, 100, 60);
    List<Long> sizes = new ArrayList<>();
    for (int cycle = 0; cycle < 6; cycle++) {
      ingest(TestListener.SHOP_KEY, 400, 2 * DAY_SECONDS);
      // the rollup yields to ingest and works off its backlog afterwards; its writes beside the measured run would
      // grow the write-ahead log that this test weighs
      awaitRollupCaughtUp();
      JsonObject summary = run();
      assertEquals(400, summary.getLong("rows_deleted"), summary.encode());
      sizes.add(fileBytes());
    }
    System.out.println("Retention cycles, file + WAL bytes after each run: " + sizes);
    long settled = sizes.get(1);
    for (int i = 2; i < sizes.size(); i++) {
      assertTrue(sizes.get(i) <= settled * 1.2 + 1_048_576, "cycle " + i + " grew the file: " + sizes);
    }
    assertEquals(100, listener.count("SELECT count(*) FROM records"));
  }

  @Test
  @DisplayName("Disk budget: over maxDatabaseBytes the oldest records go first, regardless of age")
  void diskBudget() throws Exception {
    start(new JsonObject().put("days", 30).put("batchSize", 100).put("pauseMs", 0)
        .put("maxDatabaseBytes", BUDGET_BYTES), null);
    List<Long> first = ingest(TestListener.SHOP_KEY, 400, 3_600);
    List<Long> last = ingest(TestListener.SHOP_KEY, 400, 60);
    long before = Files.size(listener.databaseFile());
    assertTrue(before > BUDGET_BYTES, "the test needs more data than the budget: " + before);
    JsonObject summary = run();
    assertTrue(summary.getLong("rows_deleted_for_disk_budget") > 0, summary.encode());
    long after = Files.size(listener.databaseFile());
    System.out.println("Disk budget " + BUDGET_BYTES + " bytes: database file " + before + " -> " + after + " bytes, "
        + summary.getLong("rows_deleted_for_disk_budget") + " records deleted");
    assertTrue(after <= BUDGET_BYTES, "database file after the run: " + after);
    assertEquals(0, listener.count("SELECT count(*) FROM records WHERE id = ?", first.get(0)), "oldest went first");
    assertEquals(1, listener.count("SELECT count(*) FROM records WHERE id = ?", last.get(last.size() - 1)));
  }

  @Test
  @DisplayName("Disk budget on a node without storage: retention asks storage for the file size")
  void diskBudgetFromAnotherNode() throws Exception {
    listener = TestListener.start(new JsonObject().put("verticles", new JsonObject().put("retention", 0))
        .put("ingest", new JsonObject().put("rateLimit", new JsonObject().put("perKeyPerSecond", 10_000))));
    client = listener.httpsClient(vertx);
    List<Long> first = ingest(TestListener.SHOP_KEY, 400, 3_600);
    List<Long> last = ingest(TestListener.SHOP_KEY, 400, 60);
    assertTrue(Files.size(listener.databaseFile()) > BUDGET_BYTES, "the test needs more data than the budget");
    // as on a node of its own: this node's data directory holds no database file
    Path elsewhere = Files.createTempDirectory("bitville-retention-node-");
    JsonObject config = listener.config().copy()
        .put("node", listener.config().getJsonObject("node").copy().put("dataDir", elsewhere.toString()))
        .put("storage", new JsonObject().put("dbPath", elsewhere.resolve("bitville.db").toString()))
        .put("retention", new JsonObject().put("days", 30).put("batchSize", 100).put("pauseMs", 0)
            .put("initialDelayMs", 3_600_000).put("maxDatabaseBytes", BUDGET_BYTES));
    Await.result(listener.vertx().deployVerticle(new RetentionVerticle(),
        new io.vertx.core.DeploymentOptions().setConfig(config)));
    JsonObject summary = run();
    assertTrue(summary.getLong("database_bytes_before") > BUDGET_BYTES, summary.encode());
    assertTrue(summary.getLong("rows_deleted_for_disk_budget") > 0, summary.encode());
    assertTrue(Files.size(listener.databaseFile()) <= BUDGET_BYTES, "database file after the run");
    assertEquals(0, listener.count("SELECT count(*) FROM records WHERE id = ?", first.get(0)), "oldest went first");
    assertEquals(1, listener.count("SELECT count(*) FROM records WHERE id = ?", last.get(last.size() - 1)));
    assertTrue(Files.notExists(elsewhere.resolve("bitville.db")), "the retention node opened no file of its own");
  }
}
