package com.bitville.apm.listener.bench;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The cluster demo: one all-in-one listener JVM, then three JVMs of the same jar on loopback (two ingest nodes,
 * one core node with storage and the UI), the same closed-loop HTTPS load against each setup, throughput and p99
 * per ingest node and the storage node's commit figures printed. Every process it starts is stopped at the end.
 * Args: jar, connections per ingest node, seconds.
 */
public final class BenchCluster {

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> dirs = new ArrayList<>();

  private BenchCluster() {
  }

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    int connections = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int warmUp = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP_SECONDS", "20"));
    BenchCluster bench = new BenchCluster();
    Runtime.getRuntime().addShutdownHook(new Thread(bench::stopAll));
    Vertx vertx = Vertx.vertx();
    try {
      List<Buffer> bodies = Fixtures.PHP_WIRE.stream().map(Fixtures::php).toList();
      System.out.printf(Locale.ROOT, "machine: %d cores (shared with other work); %d connections per ingest node, "
          + "warm-up %d s, measured %d s%n", Runtime.getRuntime().availableProcessors(), connections, warmUp, seconds);
      bench.allInOne(jar, vertx, bodies, 2 * connections, warmUp, seconds);
      bench.stopAll();
      bench.cluster(jar, vertx, bodies, connections, warmUp, seconds);
    } finally {
      bench.stopAll();
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private void allInOne(Path jar, Vertx vertx, List<Buffer> bodies, int connections, int warmUp, int seconds)
      throws Exception {
    Path dir = newDir("all-in-one");
    JsonObject config = withHighRateLimit(TestListener.baseConfig(dir), dir)
        .put("verticles", verticles(2, 1, 1).put("udp-ingest", 0));
    start(jar, dir, config);
    LoadGenerator generator = new LoadGenerator(vertx, bodies, TestListener.SHOP_KEY);
    int port = config.getJsonObject("ingest").getInteger("port");
    Path certificate = dir.resolve("tls/listener-cert.pem");
    generator.run(port, certificate, "/ingest/php", connections, warmUp);
    double storedBefore = storedRecords(config);
    LoadGenerator.Result result = generator.run(port, certificate, "/ingest/php", connections, seconds);
    print("all-in-one (1 JVM, " + connections + " connections)", result);
    printStorage("all-in-one", config, storedBefore, result.seconds());
  }

  private void cluster(Path jar, Vertx vertx, List<Buffer> bodies, int connections, int warmUp, int seconds)
      throws Exception {
    String name = "bitville-demo-" + UUID.randomUUID();
    String secret = "demo-" + UUID.randomUUID();
    JsonArray members = new JsonArray();
    JsonObject core = clusterNode("core", verticles(0, 1, 1), name, secret, members);
    JsonObject ingestA = clusterNode("ingest-a", verticles(2, 0, 0), name, secret, members);
    JsonObject ingestB = clusterNode("ingest-b", verticles(2, 0, 0), name, secret, members);
    for (JsonObject node : List.of(core, ingestA, ingestB)) {
      start(jar, Path.of(node.getJsonObject("node").getString("dataDir")), node);
    }
    System.out.println("cluster: core (storage, retention, rollup, UI) + ingest-a + ingest-b (http-ingest x2 each)");
    runBoth(vertx, bodies, ingestA, ingestB, connections, warmUp);
    double storedBefore = storedRecords(core);
    List<LoadGenerator.Result> results = runBoth(vertx, bodies, ingestA, ingestB, connections, seconds);
    print("cluster ingest-a (" + connections + " connections)", results.get(0));
    print("cluster ingest-b (" + connections + " connections)", results.get(1));
    System.out.printf(Locale.ROOT, "cluster total: %.0f accepted records/s%n",
        results.stream().mapToDouble(r -> r.acceptedRecords() / r.seconds()).sum());
    printStorage("cluster core node", core, storedBefore, results.get(0).seconds());
  }

  private static List<LoadGenerator.Result> runBoth(Vertx vertx, List<Buffer> bodies, JsonObject a, JsonObject b,
      int connections, int seconds) throws Exception {
    CompletableFuture<LoadGenerator.Result> first = CompletableFuture.supplyAsync(() -> load(vertx, bodies, a,
        connections, seconds));
    CompletableFuture<LoadGenerator.Result> second = CompletableFuture.supplyAsync(() -> load(vertx, bodies, b,
        connections, seconds));
    return List.of(first.get(seconds + 120L, TimeUnit.SECONDS), second.get(seconds + 120L, TimeUnit.SECONDS));
  }

  private static LoadGenerator.Result load(Vertx vertx, List<Buffer> bodies, JsonObject node, int connections,
      int seconds) {
    try {
      Path certificate = Path.of(node.getJsonObject("node").getString("dataDir")).resolve("tls/listener-cert.pem");
      return new LoadGenerator(vertx, bodies, TestListener.SHOP_KEY).run(node.getJsonObject("ingest")
          .getInteger("port"), certificate, "/ingest/php", connections, seconds);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonObject clusterNode(String name, JsonObject verticles, String clusterName, String secret,
      JsonArray members) throws Exception {
    Path dir = newDir(name);
    int hazelcastPort = TestListener.freePort();
    members.add("127.0.0.1:" + hazelcastPort);
    JsonObject config = withHighRateLimit(TestListener.baseConfig(dir), dir).put("verticles", verticles);
    config.getJsonObject("node").put("name", name);
    return config.put("cluster", new JsonObject().put("enabled", true).put("name", clusterName)
        .put("secret", secret).put("host", "127.0.0.1").put("port", hazelcastPort).put("members", members));
  }

  private static JsonObject verticles(int ingest, int storage, int core) {
    return new JsonObject().put("http-ingest", ingest).put("storage", storage).put("retention", core)
        .put("rollup", core).put("query-server", core).put("gelf-forwarder", 0).put("udp-ingest", 0)
        .put("management", 1);
  }

  private static JsonObject withHighRateLimit(JsonObject config, Path dir) {
    config.getJsonObject("ingest").put("rateLimit", new JsonObject().put("perKeyPerSecond", 1_000_000)
        .put("perClientPerSecond", 1_000_000));
    return config;
  }

  private Path newDir(String name) throws Exception {
    Path dir = Files.createTempDirectory("bitville-demo-" + name + "-");
    dirs.add(dir);
    return dir;
  }

  private void start(Path jar, Path dir, JsonObject config) throws Exception {
    Files.writeString(dir.resolve("listener.json"), config.encodePrettily());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "--conf",
        dir.resolve("listener.json").toString()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("BITVILLE") || name.startsWith("GRAYLOG"));
    Process process = builder.start();
    processes.add(process);
    CountDownLatch ready = new CountDownLatch(1);
    StringBuffer output = new StringBuffer();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (output.length() < 20_000) {
            output.append(line).append('\n');
          }
          if (line.contains("listener is ready")) {
            ready.countDown();
          }
        }
      } catch (Exception e) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("listener did not start:\n" + output);
    }
  }

  private synchronized void stopAll() {
    for (Process process : processes) {
      process.destroy();
    }
    for (Process process : processes) {
      try {
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
      }
    }
    processes.clear();
    for (Path dir : dirs) {
      try {
        TestListener.deleteRecursively(dir);
      } catch (Exception e) {
        // best effort for temporary files
      }
    }
    dirs.clear();
  }

  private static String metrics(JsonObject config) throws Exception {
    int port = config.getJsonObject("management").getInteger("port");
    var connection = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + port + "/metrics")
        .openConnection();
    try (var in = connection.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static double storedRecords(JsonObject config) throws Exception {
    return metrics(config).lines().filter(l -> l.startsWith("bitville_storage_records_stored_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static void printStorage(String name, JsonObject config, double storedBefore, double seconds)
      throws Exception {
    System.out.printf(Locale.ROOT, "%s: storage committed %.0f records/s%n", name,
        (storedRecords(config) - storedBefore) / seconds);
    metrics(config).lines().filter(l -> l.startsWith("bitville_storage_commit_seconds_")
            || l.startsWith("bitville_storage_batch_records_"))
        .forEach(l -> System.out.println(name + " metric: " + l));
  }

  private static void print(String name, LoadGenerator.Result result) {
    System.out.printf(Locale.ROOT, "%s: %.0f requests/s, %.0f accepted records/s, p50 %.2f ms, p99 %.2f ms, "
            + "statuses %s, connection errors %d%n", name, result.requests() / result.seconds(),
        result.acceptedRecords() / result.seconds(), result.p50Ms(), result.p99Ms(), result.byStatus(),
        result.errors());
  }
}
