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
 * real agent payloads. Records latency in a log-linear histogram (1 us resolution up to 60 s). Each PHP
 * payload is sent as a new request: its correlation id is replaced by a fresh one (the listener stores a
 * request once per correlation id), without re-encoding the rest of the bytes.
 */
final class LoadGenerator {

  record Result(long requests, long acceptedRecords, double seconds, Map<Integer, Long> byStatus, long errors,
      double p50Ms, double p99Ms) {
  }

  private final Vertx vertx;
  private final List<List<Buffer>> bodies;
  private final String key;
  private final long warmUpRequests;
  private final Map<String, io.vertx.core.http.HttpClient> clients = new ConcurrentHashMap<>();

  LoadGenerator(Vertx vertx, List<Buffer> bodies, String key) {
    this(vertx, bodies, key, Long.MAX_VALUE);
  }

  /** @param warmUpRequests where {@link #warmUp} ends at the latest, if its seconds have not passed before */
  LoadGenerator(Vertx vertx, List<Buffer> bodies, String key, long warmUpRequests) {
    this.vertx = vertx;
    this.bodies = bodies.stream().map(LoadGenerator::splitAtCorrelationId).toList();
    this.key = key;
    this.warmUpRequests = warmUpRequests;
  }

  /** Closes the connections to a server that is going away (its port may be reused). */
  void forget(int port) {
    clients.entrySet().removeIf(entry -> {
      if (entry.getKey().startsWith(port + "|")) {
        entry.getValue().close();
        return true;
      }
      return false;
    });
  }

  /** Load before a measurement: for {@code seconds}, or until the warm-up request count is reached. */
  Result warmUp(int port, Path certificate, String path, int connections, int seconds) throws Exception {
    return run(port, certificate, path, connections, seconds, warmUpRequests);
  }

  /** The body cut at every occurrence of its correlation id, so that a fresh one can be put in between. */
  private static List<Buffer> splitAtCorrelationId(Buffer body) {
    String text = body.toString(java.nio.charset.StandardCharsets.UTF_8);
    java.util.regex.Matcher id = java.util.regex.Pattern.compile("\"correlation_id\"\\s*:\\s*\"([^\"]+)\"")
        .matcher(text);
    if (!id.find()) {
      return List.of(body);
    }
    return java.util.Arrays.stream(text.split(java.util.regex.Pattern.quote(id.group(1)), -1))
        .map(part -> Buffer.buffer(part, "UTF-8")).toList();
  }

  private Buffer nextBody(long sequence) {
    List<Buffer> parts = bodies.get((int) (sequence % bodies.size()));
    if (parts.size() == 1) {
      return parts.get(0);
    }
    Buffer fresh = Buffer.buffer(parts.get(0).length() * 2);
    String id = java.util.UUID.randomUUID().toString();
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        fresh.appendString(id);
      }
      fresh.appendBuffer(parts.get(i));
    }
    return fresh;
  }

  Result run(int port, Path certificate, String path, int connections, int seconds) throws Exception {
    return run(port, certificate, path, connections, seconds, Long.MAX_VALUE);
  }

  /** Like {@link #run(int, Path, String, int, int)}, ending early once {@code maxRequests} were sent. */
  Result run(int port, Path certificate, String path, int connections, int seconds, long maxRequests)
      throws Exception {
    // one client per server and connection count: the measured run reuses the warm-up's connections, so it
    // measures requests, not TLS handshakes
    var client = clients.computeIfAbsent(port + "|" + certificate + "|" + connections,
        k -> vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(false)
            .setTrustOptions(new PemTrustOptions().addCertPath(certificate.toString())).setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(connections)));
    Histogram latency = new Histogram();
    Map<Integer, Long> byStatus = new ConcurrentHashMap<>();
    AtomicLong requests = new AtomicLong();
    AtomicLong sentRequests = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong records = new AtomicLong();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long started = System.nanoTime();
    Promise<Void> done = Promise.promise();
    AtomicLong running = new AtomicLong(connections);
    for (int c = 0; c < connections; c++) {
      loop(client, port, path, c, deadline, maxRequests, sentRequests, latency, byStatus, requests, errors, records,
          running, done);
    }
    done.future().toCompletionStage().toCompletableFuture().get(seconds + 60L, java.util.concurrent.TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - started) / 1e9;
    return new Result(requests.get(), records.get(), elapsed, new TreeMap<>(byStatus), errors.get(),
        latency.percentileMs(50), latency.percentileMs(99));
  }

  private void loop(io.vertx.core.http.HttpClient client, int port, String path, int index, long deadline,
      long maxRequests, AtomicLong sentRequests, Histogram latency, Map<Integer, Long> byStatus, AtomicLong requests,
      AtomicLong errors, AtomicLong records, AtomicLong running, Promise<Void> done) {
    if (System.nanoTime() >= deadline || sentRequests.incrementAndGet() > maxRequests) {
      if (running.decrementAndGet() == 0) {
        done.tryComplete();
      }
      return;
    }
    Buffer body = nextBody(requests.get() + index);
    long sent = System.nanoTime();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("localhost").setPort(port)
        .setURI(path).putHeader("Authorization", "Bearer " + key).putHeader("Content-Type", "application/json");
    Future<Buffer> response = client.request(options)
        .compose(request -> request.send(body).compose(r -> {
          byStatus.merge(r.statusCode(), 1L, Long::sum);
          return r.body().map(b -> {
            if (r.statusCode() == 200 && b.length() > 0 && b.getByte(0) == '{') {
              io.vertx.core.json.JsonObject answer = new io.vertx.core.json.JsonObject(b);
              Integer accepted = answer.getInteger("accepted");
              long duplicates = answer.getJsonArray("items", new io.vertx.core.json.JsonArray()).stream()
                  .filter(item -> ((io.vertx.core.json.JsonObject) item).getBoolean("duplicate", false)).count();
              records.addAndGet((accepted == null ? 1 : accepted) - duplicates);
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
      loop(client, port, path, index, deadline, maxRequests, sentRequests, latency, byStatus, requests, errors,
          records, running, done);
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
