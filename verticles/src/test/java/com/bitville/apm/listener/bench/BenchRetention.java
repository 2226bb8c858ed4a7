package com.bitville.apm.listener.bench;

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
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Ingest latency with and without a retention run (scripts/bench-retention). Loads OLD expired records (the real
 * slow_get fixture, 55 KB of JSON each), then measures single-record HTTPS ingest latency at a
 * fixed concurrency twice in the same run: once idle, once while retention deletes the expired records.
 * Usage: BenchRetention [OLD=30000] [REQUESTS=3000] [CONCURRENCY=8]
 */
public final class BenchRetention {

  private BenchRetention() {
  }

  public static void main(String[] args) throws Exception {
    int old = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 3_000;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    Vertx vertx = Vertx.vertx();
    JsonObject overrides = new JsonObject()
        .put("retention", new JsonObject().put("days", 1).put("initialDelayMs", 3_600_000))
        .put("ingest", new JsonObject().put("rateLimit", new JsonObject().put("perKeyPerSecond", 1_000_000)
            .put("perClientPerSecond", 1_000_000)));
    System.out.printf(Locale.ROOT, "machine: %d cores, %s%n", Runtime.getRuntime().availableProcessors(), cpuModel());
    try (TestListener listener = TestListener.start(overrides)) {
      WebClient client = listener.httpsClient(vertx);
      loadOld(client, old);
      System.out.printf(Locale.ROOT, "loaded %d expired records (slow_get), file %.1f MiB%n", old,
          fileBytes(listener) / 1048576.0);
      measure(client, requests / 3, concurrency);
      long[] idle = measure(client, requests, concurrency);
      long t0 = System.nanoTime();
      Future<io.vertx.core.eventbus.Message<JsonObject>> run = listener.vertx().eventBus().request(
          Addresses.RETENTION_RUN, new JsonObject(), new DeliveryOptions().setSendTimeout(600_000));
      List<long[]> during = new ArrayList<>();
      while (!run.isComplete()) {
        during.add(measure(client, Math.max(200, requests / 10), concurrency));
      }
      double runSeconds = (System.nanoTime() - t0) / 1e9;
      JsonObject summary = Await.result(run).body();
      long[] all = during.stream().flatMapToLong(Arrays::stream).sorted().toArray();
      double p99Idle = percentile(idle, 0.99);
      double p99Run = percentile(all, 0.99);
      System.out.printf(Locale.ROOT, "retention run: %.1f s, %d rows deleted, %d bytes reclaimed, file %.1f MiB%n",
          runSeconds, summary.getLong("rows_deleted"), summary.getLong("bytes_reclaimed"),
          fileBytes(listener) / 1048576.0);
      System.out.printf(Locale.ROOT, "ingest without retention: %d requests, p50 %.1f ms, p99 %.1f ms%n",
          idle.length, percentile(idle, 0.5), p99Idle);
      System.out.printf(Locale.ROOT, "ingest during retention: %d requests, p50 %.1f ms, p99 %.1f ms%n",
          all.length, percentile(all, 0.5), p99Run);
      System.out.printf(Locale.ROOT, "p99 ratio (during/without): %.2f%n", p99Run / p99Idle);
      client.close();
    } finally {
      Await.result(vertx.close());
    }
  }

  private static void loadOld(WebClient client, int count) throws Exception {
    JsonObject template = Fixtures.phpJson("wire/slow_get.json");
    double oldSeconds = System.currentTimeMillis() / 1000.0 - 3 * 86_400;
    for (int sent = 0; sent < count; ) {
      List<Future<?>> inFlight = new ArrayList<>();
      for (int p = 0; p < 4 && sent < count; p++) {
        JsonArray batch = new JsonArray();
        for (int i = 0; i < Math.min(30, count - sent); i++) {
          batch.add(template.copy().put("correlation_id", UUID.randomUUID().toString()).put("timestamp",
              oldSeconds + (sent + i) / 1000.0));
        }
        sent += batch.size();
        inFlight.add(client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
            .putHeader("Content-Type", "application/json").sendBuffer(batch.toBuffer())
            .map(r -> {
              if (r.statusCode() != 200) {
                throw new IllegalStateException("load answered " + r.statusCode());
              }
              return r;
            }));
      }
      Await.result(Future.all(inFlight));
    }
  }

  /**
   * Latencies (ns) of {@code count} single-record posts, {@code concurrency} at a time; each a new request (a
   * fresh correlation id: the same request again would be answered as a duplicate without a write).
   */
  static long[] measure(WebClient client, int count, int concurrency) throws Exception {
    Buffer body = Fixtures.php("wire/nosql_noxhprof.json");
    String capturedId = new JsonObject(body).getString("correlation_id");
    long[] latencies = new long[count];
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
      worker(client, body.toString(), capturedId, latencies, next, done);
      workers.add(done.future());
    }
    Await.result(Future.all(workers));
    return latencies;
  }

  /** One request after the other, each started from the previous one's callback (no nested futures). */
  private static void worker(WebClient client, String body, String capturedId, long[] latencies,
      java.util.concurrent.atomic.AtomicInteger next, io.vertx.core.Promise<Void> done) {
    int index = next.getAndIncrement();
    if (index >= latencies.length) {
      done.tryComplete();
      return;
    }
    long start = System.nanoTime();
    client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(body.replace(capturedId, java.util.UUID.randomUUID().toString())))
        .onComplete(result -> {
          if (result.failed() || result.result().statusCode() != 200) {
            done.tryFail(result.failed() ? result.cause().toString() : "ingest answered "
                + result.result().statusCode());
            return;
          }
          latencies[index] = System.nanoTime() - start;
          worker(client, body, capturedId, latencies, next, done);
        });
  }

  static double percentile(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  static long fileBytes(TestListener listener) throws Exception {
    Path db = listener.databaseFile();
    Path wal = Path.of(db + "-wal");
    return Files.size(db) + (Files.exists(wal) ? Files.size(wal) : 0);
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }
}
