package com.bitville.apm.listener.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTPS load: C connections, each with one request in flight, for T seconds, cycling through
 * real agent payloads. Records latency in a log-linear histogram (1 us resolution up to 60 s).
 */
final class LoadGenerator {

  record Result(long requests, long acceptedRecords, double seconds, Map<Integer, Long> byStatus, long errors,
      double p50Ms, double p99Ms) {
  }

  private final Vertx vertx;
  private final List<Buffer> bodies;
  private final String key;

  LoadGenerator(Vertx vertx, List<Buffer> bodies, String key) {
    this.vertx = vertx;
    this.bodies = bodies;
    this.key = key;
  }

  Result run(int port, Path certificate, String path, int connections, int seconds) throws Exception {
    var client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(false)
        .setTrustOptions(new PemTrustOptions().addCertPath(certificate.toString())).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(connections));
    Histogram latency = new Histogram();
    Map<Integer, Long> byStatus = new ConcurrentHashMap<>();
    AtomicLong requests = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong records = new AtomicLong();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long started = System.nanoTime();
    Promise<Void> done = Promise.promise();
    AtomicLong running = new AtomicLong(connections);
    for (int c = 0; c < connections; c++) {
      loop(client, port, path, c, deadline, latency, byStatus, requests, errors, records, running, done);
    }
    done.future().toCompletionStage().toCompletableFuture().get(seconds + 60L, java.util.concurrent.TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - started) / 1e9;
    client.close();
    return new Result(requests.get(), records.get(), elapsed, new TreeMap<>(byStatus), errors.get(),
        latency.percentileMs(50), latency.percentileMs(99));
  }

  private void loop(io.vertx.core.http.HttpClient client, int port, String path, int index, long deadline,
      Histogram latency, Map<Integer, Long> byStatus, AtomicLong requests, AtomicLong errors, AtomicLong records,
      AtomicLong running, Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      if (running.decrementAndGet() == 0) {
        done.tryComplete();
      }
      return;
    }
    Buffer body = bodies.get((int) (requests.get() + index) % bodies.size());
    long sent = System.nanoTime();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("localhost").setPort(port)
        .setURI(path).putHeader("Authorization", "Bearer " + key).putHeader("Content-Type", "application/json");
    Future<Buffer> response = client.request(options)
        .compose(request -> request.send(body).compose(r -> {
          byStatus.merge(r.statusCode(), 1L, Long::sum);
          return r.body().map(b -> {
            if (r.statusCode() == 200 && b.length() > 0 && b.getByte(0) == '{') {
              Integer accepted = new io.vertx.core.json.JsonObject(b).getInteger("accepted");
              records.addAndGet(accepted == null ? 1 : accepted);
            } else if (r.statusCode() == 200) {
              records.incrementAndGet();
            }
            return b;
          });
        }));
    response.onComplete(result -> {
      latency.record(System.nanoTime() - sent);
      requests.incrementAndGet();
      if (result.failed()) {
        errors.incrementAndGet();
      }
      loop(client, port, path, index, deadline, latency, byStatus, requests, errors, records, running, done);
    });
  }

  /** Log-linear latency histogram: 64 linear sub-buckets per power of two, microsecond unit. */
  static final class Histogram {
    private final AtomicLong[] counts = new AtomicLong[64 * 40];
    private final AtomicLong total = new AtomicLong();

    Histogram() {
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new AtomicLong();
      }
    }

    void record(long nanos) {
      long micros = Math.max(1, nanos / 1000);
      int exponent = 63 - Long.numberOfLeadingZeros(micros);
      int bucket = exponent < 6 ? (int) micros : exponent * 64 - 6 * 64 + 64 + (int) ((micros >> (exponent - 6)) - 64);
      counts[Math.min(bucket, counts.length - 1)].incrementAndGet();
      total.incrementAndGet();
    }

    double percentileMs(double percentile) {
      long target = (long) Math.ceil(total.get() * percentile / 100.0);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i].get();
        if (seen >= target && target > 0) {
          return upperMicros(i) / 1000.0;
        }
      }
      return 0;
    }

    private static long upperMicros(int bucket) {
      if (bucket < 64) {
        return bucket + 1;
      }
      int exponent = (bucket - 64) / 64 + 6;
      long offset = (bucket - 64) % 64;
      return (64 + offset + 1) << (exponent - 6);
    }
  }
}
