package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.StorageSettings;
import com.bitville.apm.listener.storage.RecordWriter.Numbered;
import com.bitville.apm.listener.storage.api.RecordStore.StoreReply;
import com.bitville.apm.listener.storage.api.RequestReads.RequestFilter;
import com.bitville.apm.listener.storage.api.RequestReads.RequestPage;
import com.bitville.apm.listener.storage.api.RouteReads.Baseline;
import com.bitville.apm.listener.storage.api.RouteReads.BaselineRequest;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.shared.bus.StorageFailure;
import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.model.RecordKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage services' own logic against a temporary database, without a listener node. */
class StorageLogicTest {

  private static final long HOUR = 3_600_000L;

  @TempDir
  Path dir;

  private Vertx vertx;
  private Context context;
  private Database database;
  private RecordWriter writer;
  private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    database = Database.open(vertx, new StorageSettings(dir.resolve("test.db"), "NORMAL", 4, 10, 2, 5_000, true));
    Await.result(Schema.migrate(database.writer()));
    writer = new RecordWriter(vertx, database, "test-node", true);
  }

  @AfterEach
  void close() throws Exception {
    Await.result(writer.close());
    Await.result(database.close());
    Await.result(vertx.close());
  }

  /** Runs {@code action} on the storage context, as the StorageVerticle does. */
  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  /**
   * Holds the group-commit thread until the returned latch opens, so that the first commit is still running
   * while the test queues more requests: batching does not then depend on how fast the disk is.
   */
  private CountDownLatch holdWriterThread() {
    CountDownLatch release = new CountDownLatch(1);
    vertx.createSharedWorkerExecutor("bitville-sqlite-group-commit", 1).executeBlocking(() -> {
      release.await(30, TimeUnit.SECONDS);
      return null;
    });
    return release;
  }

  private GroupCommitter committer(int maxBatch, int maxQueued) throws Exception {
    long firstId = Await.result(onContext(() -> writer.open()));
    return new GroupCommitter(writer, firstId, maxBatch, maxQueued,
        (List<Numbered> batch) -> batchSizes.add(batch.size()), new SimpleMeterRegistry());
  }

  private static IngestRecord php(String project, String route, double durationMs, long eventTimeMs, String url) {
    byte[] payload = PayloadCodec.compress(new JsonObject().put("correlation_id", "c").encode());
    return new IngestRecord(project, RecordKind.PHP, "php", null, eventTimeMs, eventTimeMs, false, durationMs,
        route, url, "GET", 200, "web-1", 0, 0.0, 1L, false, route, payload, List.of());
  }

  private static List<IngestRecord> records(int count, long baseTime) {
    List<IngestRecord> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(php("shop", "/r", 10.0 * (i + 1), baseTime + i, "/r?i=" + i));
    }
    return list;
  }

  @Test
  @DisplayName("Group commit: idle commits at once, queued requests share the next commit up to the batch bound")
  void groupCommitBatching() throws Exception {
    GroupCommitter committer = committer(4, 10);
    CountDownLatch release = holdWriterThread();
    List<Future<StoreReply>> replies = Await.result(onContext(() -> Future.succeededFuture(List.of(
        committer.submit(records(1, 0)), committer.submit(records(2, 10)), committer.submit(records(3, 20)),
        committer.submit(records(1, 30)), committer.submit(records(3, 40))))));
    release.countDown();
    List<Long> ids = new ArrayList<>();
    for (Future<StoreReply> reply : replies) {
      ids.addAll(Await.result(reply).ids());
    }
    // the committed-batch callback runs just after the replies complete
    long deadline = System.currentTimeMillis() + 10_000;
    while (batchSizes.size() < 4 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(List.of(1, 2, 4, 3), new ArrayList<>(batchSizes), "the first alone, then [2], [3+1], [3]");
    for (int i = 1; i < ids.size(); i++) {
      assertEquals(ids.get(i - 1) + 1, ids.get(i), "ids consecutive in request order: " + ids);
    }
  }

  @Test
  @DisplayName("Group commit: a request beyond the queue bound is BUSY, after drain every request SHUTTING_DOWN")
  void groupCommitBounds() throws Exception {
    GroupCommitter committer = committer(4, 10);
    CountDownLatch release = holdWriterThread();
    List<Future<StoreReply>> replies = Await.result(onContext(() -> Future.succeededFuture(List.of(
        committer.submit(records(1, 0)), committer.submit(records(8, 10)), committer.submit(records(3, 20))))));
    release.countDown();
    assertEquals(1, Await.result(replies.get(0)).ids().size());
    assertEquals(8, Await.result(replies.get(1)).ids().size());
    ExecutionException busy = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> Await.result(replies.get(2)));
    assertEquals(StorageFailure.BUSY, ((StorageException) busy.getCause()).failure());
    Await.result(onContext(committer::drain));
    ExecutionException stopping = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> Await.result(onContext(() -> committer.submit(records(1, 50)))));
    assertEquals(StorageFailure.SHUTTING_DOWN, ((StorageException) stopping.getCause()).failure());
  }

  @Test
  @DisplayName("Nearest-rank percentiles: the value at rank ceil(p * n), none without values")
  void percentiles() {
    double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5.0, RouteStats.nearestRank(sorted, 0.50));
    assertEquals(10.0, RouteStats.nearestRank(sorted, 0.95));
    assertEquals(10.0, RouteStats.nearestRank(sorted, 0.99));
    assertEquals(7.0, RouteStats.nearestRank(new double[] {7}, 0.5));
    assertNull(RouteStats.nearestRank(new double[0], 0.5));
  }

  @Test
  @DisplayName("Baseline: the route's other requests in the window, how many were faster, and their percentiles")
  void baseline() throws Exception {
    GroupCommitter committer = committer(100, 1_000);
    List<IngestRecord> batch = records(20, 5 * HOUR);
    batch.add(php("shop", "/other", 5.0, 5 * HOUR, "/other"));
    batch.add(php("shop", "/r", 1.0, 1 * HOUR, "/r?old"));
    List<Long> ids = Await.result(onContext(() -> committer.submit(batch))).ids();
    long compared = ids.get(9);
    Baseline baseline = Await.result(new RouteStats(database).baseline(
        new BaselineRequest("shop", "/r", 4 * HOUR, 6 * HOUR, compared, 100.0)));
    assertEquals(19, baseline.count(), "20 in the window minus the compared one");
    assertEquals(9, baseline.faster(), "10..90 ms");
    assertEquals(110.0, baseline.p50());
    assertEquals(200.0, baseline.p95());
    assertEquals(19, baseline.payloads().size());
  }

  @Test
  @DisplayName("Request list: keyset pages by duration cover every request once, in order, in the project only")
  void listPages() throws Exception {
    GroupCommitter committer = committer(100, 1_000);
    List<IngestRecord> batch = records(7, HOUR);
    batch.add(php("other", "/r", 35.0, HOUR, "/r?other"));
    Await.result(onContext(() -> committer.submit(batch)));
    RequestQueries reads = new RequestQueries(database);
    List<Double> seen = new ArrayList<>();
    Number afterValue = null;
    Long afterId = null;
    for (int page = 0; page < 5; page++) {
      RequestPage result = Await.result(reads.list(new RequestFilter(List.of("shop"), "duration", "desc", 3, null,
          null, null, null, null, null, null, null, null, null, null, null, afterValue, afterId, null, null)));
      result.rows().forEach(row -> seen.add(row.getDouble("duration_ms")));
      if (!result.hasMore()) {
        break;
      }
      JsonObject last = result.rows().get(result.rows().size() - 1);
      afterValue = Double.valueOf(last.getString("duration_key"));
      afterId = last.getLong("id");
    }
    assertEquals(List.of(70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 10.0), seen);
  }

  @Test
  @DisplayName("Request list: URL filter matches '%' and '_' literally, duration and status ranges apply")
  void listFilters() throws Exception {
    GroupCommitter committer = committer(100, 1_000);
    List<IngestRecord> batch = records(5, HOUR);
    batch.add(php("shop", "/r", 15.0, HOUR, "/r?q=100%_off"));
    Await.result(onContext(() -> committer.submit(batch)));
    RequestQueries reads = new RequestQueries(database);
    RequestPage literal = Await.result(reads.list(new RequestFilter(List.of("shop"), "time", "desc", 50, null, null,
        null, "%_", null, null, null, null, null, null, null, null, null, null, null, null)));
    assertEquals(1, literal.rows().size());
    assertEquals("/r?q=100%_off", literal.rows().get(0).getString("url"));
    RequestPage range = Await.result(reads.list(new RequestFilter(List.of("shop"), "duration", "asc", 50, null,
        null, null, null, null, 200, 299, null, 15.0, 30.0, null, false, null, null, null, null)));
    List<Double> durations = new ArrayList<>();
    range.rows().forEach(row -> durations.add(row.getDouble("duration_ms")));
    assertEquals(List.of(15.0, 20.0, 30.0), durations);
    assertFalse(range.hasMore());
    assertTrue(RequestQueries.listStatement(new RequestFilter(List.of("a", "b"), "time", "asc", 10, null, null,
        null, null, null, null, null, null, null, null, null, null, null, null, null, null)).sql().contains("UNION ALL"));
  }
}
