package com.bitville.apm.listener.bench;

import com.bitville.apm.listener.gelf.GelfTestReceiver;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * GELF forwarding benchmark (scripts/bench-forwarding): a listener in this JVM forwards to a local GELF TCP
 * receiver that parses and checks every frame. (1) backlog replay: N records ingested while the receiver is
 * down, then the time until all arrived; (2) live: records ingested with the receiver up, forwarding rate
 * measured at the receiver. Usage: BenchForwarding [BACKLOG=100000] [LIVE=20000]
 */
public final class BenchForwarding {

  private BenchForwarding() {
  }

  public static void main(String[] args) throws Exception {
    int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int live = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    Vertx vertx = Vertx.vertx();
    int port = TestListener.freePort();
    JsonObject overrides = new JsonObject()
        .put("graylog", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", port)
            .put("backoffInitialMs", 100).put("backoffMaxMs", 1000).put("circuitResetMs", 500))
        .put("retention", new JsonObject().put("initialDelayMs", 3_600_000))
        .put("ingest", new JsonObject().put("rateLimit", new JsonObject().put("perKeyPerSecond", 1_000_000)
            .put("perClientPerSecond", 1_000_000)));
    System.out.printf(Locale.ROOT, "machine: %d cores, %s%n", Runtime.getRuntime().availableProcessors(),
        BenchRetention.cpuModel());
    try (TestListener listener = TestListener.start(overrides)) {
      WebClient client = listener.httpsClient(vertx);
      long t0 = System.nanoTime();
      ingest(client, backlog, 4);
      double ingestSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "backlog: %d records ingested while Graylog was down in %.1f s%n", backlog,
          ingestSeconds);
      GelfTestReceiver receiver = new GelfTestReceiver(vertx).start(port);
      long t1 = System.nanoTime();
      if (!receiver.awaitDistinct(backlog, 600_000)) {
        throw new IllegalStateException("replay incomplete: " + receiver.distinctRecords());
      }
      double replaySeconds = (System.nanoTime() - t1) / 1e9;
      System.out.printf(Locale.ROOT, "replay: %d records in %.2f s = %.0f records/s (incl. reconnect delay), "
          + "%d duplicates, %d violations%n", backlog, replaySeconds, backlog / replaySeconds,
          receiver.messages().size() - receiver.distinctRecords(), receiver.violations().size());

      int before = receiver.distinctRecords();
      long t2 = System.nanoTime();
      ingest(client, live, 4);
      double liveIngest = (System.nanoTime() - t2) / 1e9;
      if (!receiver.awaitDistinct(before + live, 600_000)) {
        throw new IllegalStateException("live forwarding incomplete");
      }
      double liveSeconds = (System.nanoTime() - t2) / 1e9;
      System.out.printf(Locale.ROOT, "live: %d records ingested in %.2f s (%.0f/s); all forwarded %.2f s after "
          + "the first post = %.0f records/s end to end, lag after the last post %.0f ms%n", live, liveIngest,
          live / liveIngest, liveSeconds, live / liveSeconds, (liveSeconds - liveIngest) * 1000);
      receiver.close();
      client.close();
    } finally {
      Await.result(vertx.close());
    }
  }

  /** Posts {@code count} small PHP payloads in arrays of 1,000 over {@code parallel} concurrent requests. */
  static void ingest(WebClient client, int count, int parallel) throws Exception {
    JsonObject template = Fixtures.phpJson("wire/nosql_noxhprof.json");
    int sent = 0;
    while (sent < count) {
      List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
      for (int p = 0; p < parallel && sent < count; p++) {
        JsonArray batch = new JsonArray();
        for (int i = 0; i < Math.min(1000, count - sent); i++) {
          batch.add(template.copy().put("correlation_id", UUID.randomUUID().toString()));
        }
        sent += batch.size();
        inFlight.add(client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
            .putHeader("Content-Type", "application/json").sendBuffer(batch.toBuffer()));
      }
      for (Future<HttpResponse<Buffer>> response : inFlight) {
        HttpResponse<Buffer> done = Await.result(response);
        if (done.statusCode() != 200) {
          throw new IllegalStateException("ingest answered " + done.statusCode() + ": " + done.bodyAsString());
        }
      }
    }
  }
}
