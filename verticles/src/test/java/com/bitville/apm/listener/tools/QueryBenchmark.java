package com.bitville.apm.listener.tools;

import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.launcher.FirstStart;
import com.bitville.apm.listener.launcher.ListenerNode;
import com.bitville.apm.listener.query.Passwords;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code scripts/bench-query DB_FILE [ITERATIONS]}: starts a real listener node on the given database (query
 * server, storage; a throw-away data directory for TLS and a benchmark user), logs in over HTTPS and measures
 * the latency of the main API calls one at a time: list pages (first page, filtered, cursored), request
 * detail, comparison, and route statistics over 24 hours. Prints p50/p95/p99/max per call.
 */
public final class QueryBenchmark {

  private static final String PASSWORD = "benchmark-password-123";

  private QueryBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]).toAbsolutePath();
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Path dataDir = Files.createTempDirectory("bitville-bench-");
    int port = freePort();
    JsonObject config = ConfigLoader.defaults().mergeIn(new JsonObject()
        .put("node", new JsonObject().put("dataDir", dataDir.toString()).put("name", "bench"))
        .put("storage", new JsonObject().put("dbPath", db.toString()).put("synchronous", "NORMAL"))
        .put("ingest", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
        .put("query", new JsonObject().put("host", "127.0.0.1").put("port", port))
        // The generated records span the DAYS before generate-data ran: retention would delete the oldest of
        // them while the queries are measured, changing both the data and the load.
        .put("verticles", new JsonObject().put("retention", 0))
        .put("projects", new JsonObject().put("shop", new JsonObject().put("keys", new JsonArray()
            .add("benchmark-key-0123456789"))).put("blog", new JsonObject()))
        .put("users", new JsonObject().put("bench", new JsonObject()
            .put("passwordHash", Passwords.hash(PASSWORD.toCharArray(), 4)).put("projects", "*"))), true);
    FirstStart.Outcome prepared = FirstStart.prepare(config);
    ListenerNode node = ListenerNode.start(prepared.config(), false).toCompletionStage().toCompletableFuture()
        .get(120, TimeUnit.SECONDS);
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(prepared.certificatePem().toString()))
        .setDefaultHost("localhost").setDefaultPort(port).setKeepAlive(true));
    try {
      run(client, iterations);
    } finally {
      client.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      node.shutdown().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private static void run(WebClient client, int iterations) throws Exception {
    HttpResponse<Buffer> login = await(client.post("/api/login").putHeader("X-Bitville-Request", "1")
        .sendJsonObject(new JsonObject().put("user", "bench").put("password", PASSWORD)));
    String cookie = login.headers().getAll("Set-Cookie").get(0).split(";")[0];
    JsonObject first = get(client, cookie, "/api/requests?project=shop&limit=50");
    JsonArray items = first.getJsonArray("items");
    long newest = items.getJsonObject(0).getLong("event_time_ms");
    long maxId = items.getJsonObject(0).getLong("id");
    Random random = new Random(7);
    List<Long> ids = new ArrayList<>();
    JsonArray sample = get(client, cookie, "/api/requests?project=shop&limit=200&sort=duration").getJsonArray("items");
    sample.forEach(i -> ids.add(((JsonObject) i).getLong("id")));
    for (int i = 0; i < 200; i++) {
      JsonArray page = get(client, cookie, "/api/requests?project=shop&limit=5&to=" + (newest - random.nextInt(
          6 * 86_400) * 1000L)).getJsonArray("items");
      page.forEach(it -> ids.add(((JsonObject) it).getLong("id")));
    }
    String cursor = first.getString("next_cursor");
    String durationCursor = get(client, cookie, "/api/requests?project=shop&limit=50&sort=duration")
        .getString("next_cursor");
    System.out.printf("database: newest id %d, %d sample ids%n", maxId, ids.size());
    measure(client, cookie, "list: first page, project, 50 rows", iterations, () -> ("/api/requests?project=shop&limit=50"));
    measure(client, cookie, "list: next page (cursor)", iterations, () -> ("/api/requests?project=shop&limit=50&cursor=" + cursor));
    measure(client, cookie, "list: sorted by duration", iterations, () -> ("/api/requests?project=shop&limit=50&sort=duration"));
    measure(client, cookie, "list: sorted by duration, next page", iterations, () -> (
        "/api/requests?project=shop&limit=50&sort=duration&cursor=" + durationCursor));
    measure(client, cookie, "list: all projects (no project filter)", iterations, () -> (
        "/api/requests?limit=50"));
    measure(client, cookie, "list: route + min_duration filter", iterations, () -> ("/api/requests?project=shop&limit=50&route=" + URLEncoder.encode("/route-3/{id}", StandardCharsets.UTF_8)
            + "&min_duration=1000"));
    measure(client, cookie, "list: 1 h window ending 3 days ago", iterations, () -> {
      long to = newest - 3 * 86_400_000L;
      return ("/api/requests?project=shop&limit=50&from=" + (to - 3_600_000) + "&to=" + to);
    });
    measure(client, cookie, "detail: random request", iterations, () -> ("/api/requests/" + ids.get(random.nextInt(ids.size()))));
    measure(client, cookie, "comparison: random request, 24 h baseline", Math.max(20, iterations / 4), () -> ("/api/requests/" + ids.get(random.nextInt(ids.size())) + "/comparison"));
    measure(client, cookie, "routes: 24 h, project shop", iterations, () -> ("/api/routes?project=shop&from=" + (newest - 86_400_000L) + "&to=" + newest));
    measure(client, cookie, "routes: 24 h, all projects", iterations, () -> ("/api/routes?from=" + (newest - 86_400_000L) + "&to=" + newest));
    measure(client, cookie, "routes: 1 h exact, project shop", iterations, () -> ("/api/routes?project=shop&from=" + (newest - 3_600_000L) + "&to=" + newest));
  }

  /** Sequential requests after a warm-up of up to 20; the time is the full HTTPS round trip. */
  private static void measure(WebClient client, String cookie, String name, int iterations, Supplier<String> uri)
      throws Exception {
    long[] nanos = new long[iterations];
    for (int i = -Math.min(20, iterations); i < iterations; i++) {
      String target = uri.get();
      long start = System.nanoTime();
      HttpResponse<Buffer> response = await(client.get(target).putHeader("Cookie", cookie).send());
      long took = System.nanoTime() - start;
      if (response.statusCode() != 200) {
        throw new IllegalStateException(target + " -> " + response.statusCode() + " " + response.bodyAsString());
      }
      if (i >= 0) {
        nanos[i] = took;
      }
    }
    Arrays.sort(nanos);
    System.out.printf("%-45s n=%4d  p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  max %7.1f ms%n", name, iterations,
        at(nanos, 0.50), at(nanos, 0.95), at(nanos, 0.99), nanos[nanos.length - 1] / 1e6);
  }

  private static double at(long[] sorted, double p) {
    return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  private static JsonObject get(WebClient client, String cookie, String uri) throws Exception {
    HttpResponse<Buffer> response = await(client.get(uri).putHeader("Cookie", cookie).send());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(uri + " -> " + response.statusCode() + " " + response.bodyAsString());
    }
    return response.bodyAsJsonObject();
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
