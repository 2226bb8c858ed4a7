package com.bitville.apm.listener.bench;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The ingest benchmark (run by scripts/bench-ingest): starts the listener jar as its own process on a
 * fresh data directory, drives it with C connections for T seconds with the real PHP fixtures (stamped with
 * current times, each request under a fresh correlation id), counts the rows found in SQLite afterwards;
 * does the same once more with the duplicate check off ({@code storage.deduplicatePhp=false}) on another
 * fresh directory, then measures the ceiling (a trivial HTTPS endpoint) the same way and prints the ratios.
 * Usage: BenchIngest LISTENER_JAR CONNECTIONS SECONDS [INGEST_INSTANCES]
 */
public final class BenchIngest {

  private BenchIngest() {
  }

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    int connections = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int instances = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    // under this load both JVMs compile for 30-40 s (C2 took about half a core 10-20 s in): measure after that
    int warmUp = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP_SECONDS", "45"));
    List<Buffer> bodies = Fixtures.PHP_WIRE.stream().map(Fixtures::php).toList();
    Vertx vertx = Vertx.vertx();
    Path dataDir = null;
    try {
      LoadGenerator generator = new LoadGenerator(vertx, bodies, TestListener.SHOP_KEY);
      System.out.printf(Locale.ROOT, "machine: %d cores, %s; connections=%d, warm-up=%ds, duration=%ds, "
          + "ingest instances=%d%n", Runtime.getRuntime().availableProcessors(), cpuModel(), connections, warmUp,
          seconds, instances);
      LoadGenerator.Result listener = null;
      // the full listener, then the same without the duplicate check, then without the rollup verticle
      for (String variant : List.of("listener", "listener without duplicate check", "listener without rollups")) {
        if (dataDir != null) {
          TestListener.deleteRecursively(dataDir);
        }
        dataDir = Files.createTempDirectory("bitville-bench-");
        boolean deduplicate = !variant.endsWith("duplicate check");
        boolean rollups = !variant.endsWith("rollups");
        LoadGenerator.Result result = measureListener(jar, dataDir, generator, bodies, connections, warmUp, seconds,
            instances, deduplicate, rollups, variant);
        if (listener == null) {
          listener = result;
        } else if (!deduplicate) {
          System.out.printf(Locale.ROOT, "duplicate check: requests/s with/without %.2f, p99 with/without %.2f%n",
              (listener.requests() / listener.seconds()) / (result.requests() / result.seconds()),
              listener.p99Ms() / result.p99Ms());
        } else {
          System.out.printf(Locale.ROOT, "rollups: accepted records/s with/without %.2f, p99 with/without %.2f%n",
              (listener.acceptedRecords() / listener.seconds()) / (result.acceptedRecords() / result.seconds()),
              listener.p99Ms() / result.p99Ms());
        }
      }
      int ceilingPort = TestListener.freePort();
      Process ceilingProcess = startProcess(List.of(java(), "-cp", System.getProperty("java.class.path"),
          CeilingServer.class.getName(), String.valueOf(ceilingPort), dataDir.resolve("tls/listener.p12").toString(),
          Files.readString(dataDir.resolve("tls/listener.p12.password")).trim(), String.valueOf(instances)),
          "ceiling server is ready");
      LoadGenerator.Result ceiling;
      try {
        generator.run(ceilingPort, dataDir.resolve("tls/listener-cert.pem"), "/", connections, warmUp);
        ceiling = generator.run(ceilingPort, dataDir.resolve("tls/listener-cert.pem"), "/", connections, seconds);
      } finally {
        ceilingProcess.destroy();
        ceilingProcess.waitFor(20, TimeUnit.SECONDS);
      }
      print("ceiling", ceiling);
      System.out.printf(Locale.ROOT, "ratio listener/ceiling (requests/s): %.2f%n",
          (listener.requests() / listener.seconds()) / (ceiling.requests() / ceiling.seconds()));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (dataDir != null) {
        TestListener.deleteRecursively(dataDir);
      }
    }
  }

  /** One listener process on a fresh directory: warm-up, measured run, rows counted in SQLite. */
  private static LoadGenerator.Result measureListener(Path jar, Path dataDir, LoadGenerator generator,
      List<Buffer> bodies, int connections, int warmUp, int seconds, int instances, boolean deduplicate,
      boolean rollups, String name) throws Exception {
    JsonObject config = TestListener.baseConfig(dataDir)
        .put("verticles", new JsonObject().put("http-ingest", instances).put("storage", 1).put("management", 1)
            .put("rollup", rollups ? 1 : 0))
        .put("storage", new JsonObject().put("deduplicatePhp", deduplicate))
        .put("ingest", TestListener.baseConfig(dataDir).getJsonObject("ingest").put("rateLimit",
            new JsonObject().put("perKeyPerSecond", 1_000_000).put("perClientPerSecond", 1_000_000)));
    Files.writeString(dataDir.resolve("listener.json"), config.encodePrettily());
    int port = config.getJsonObject("ingest").getInteger("port");
    List<String> command = new java.util.ArrayList<>(List.of(java()));
    String jvmOptions = System.getenv().getOrDefault("BENCH_LISTENER_JVM_OPTS", "");
    if (!jvmOptions.isBlank()) {
      command.addAll(List.of(jvmOptions.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(), "--conf", dataDir.resolve("listener.json").toString()));
    Process process = startProcess(command, "listener is ready");
    LoadGenerator.Result result;
    long rows;
    try {
      generator.run(port, dataDir.resolve("tls/listener-cert.pem"), "/ingest/php", connections, warmUp);
      long warmRows = countRows(dataDir);
      RollupLag lag = rollups ? RollupLag.sample(dataDir) : null;
      result = generator.run(port, dataDir.resolve("tls/listener-cert.pem"), "/ingest/php", connections, seconds);
      rows = countRows(dataDir) - warmRows;
      if (lag != null) {
        lag.stop();
        System.out.printf(Locale.ROOT, "%s: rollup at most %d records behind during the run; caught up %.1f s after "
            + "the load stopped%n", name, lag.maxBehind(), RollupLag.catchUpSeconds(dataDir, 120));
      }
      printStorageSize(dataDir, bodies);
      printStorageMetrics(config.getJsonObject("management").getInteger("port"));
    } finally {
      process.destroy();
      process.waitFor(40, TimeUnit.SECONDS);
    }
    print(name, result);
    System.out.printf(Locale.ROOT, "%s: rows found in SQLite for the measured run: %d (accepted %d) -> %s%n", name,
        rows, result.acceptedRecords(), rows == result.acceptedRecords() ? "MATCH" : "MISMATCH");
    return result;
  }

  /** Samples how far the rollup cursor is behind the newest record, from the SQLite file, once a second. */
  static final class RollupLag {
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long maxBehind;

    private RollupLag(Path dataDir) {
      thread = new Thread(() -> {
        while (!stopped) {
          try {
            maxBehind = Math.max(maxBehind, behind(dataDir));
            Thread.sleep(1_000);
          } catch (Exception e) {
            return;
          }
        }
      });
      thread.setDaemon(true);
    }

    static RollupLag sample(Path dataDir) {
      RollupLag lag = new RollupLag(dataDir);
      lag.thread.start();
      return lag;
    }

    void stop() throws InterruptedException {
      stopped = true;
      thread.join(5_000);
    }

    long maxBehind() {
      return maxBehind;
    }

    static long behind(Path dataDir) throws Exception {
      try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("bitville.db"));
          var rows = connection.createStatement().executeQuery("SELECT (SELECT coalesce(max(id), 0) FROM records)"
              + " - (SELECT rolled_id FROM rollup_cursor WHERE name = 'rollup')")) {
        rows.next();
        return rows.getLong(1);
      }
    }

    /** Seconds until the rollup has caught up, at most {@code maxSeconds}. */
    static double catchUpSeconds(Path dataDir, int maxSeconds) throws Exception {
      long started = System.nanoTime();
      while (behind(dataDir) > 0 && System.nanoTime() - started < maxSeconds * 1_000_000_000L) {
        Thread.sleep(100);
      }
      return (System.nanoTime() - started) / 1e9;
    }
  }

  private static void print(String name, LoadGenerator.Result result) {
    System.out.printf(Locale.ROOT, "%s: %.0f requests/s, %.0f accepted records/s, p50 %.2f ms, p99 %.2f ms, "
            + "statuses %s, connection errors %d%n", name, result.requests() / result.seconds(),
        result.acceptedRecords() / result.seconds(), result.p50Ms(), result.p99Ms(), result.byStatus(),
        result.errors());
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Process startProcess(List<String> command, String readyLine) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CountDownLatch ready = new CountDownLatch(1);
    StringBuffer output = new StringBuffer();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (output.length() < 20_000) {
            output.append(line).append('\n');
          }
          if (line.contains(readyLine)) {
            ready.countDown();
          }
        }
      } catch (Exception e) {
        // process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("process did not start: " + command + "\n" + output);
    }
    return process;
  }

  private static void printStorageMetrics(int managementPort) throws Exception {
    var connection = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + managementPort + "/metrics")
        .openConnection();
    try (var in = connection.getInputStream()) {
      new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
          .filter(l -> l.startsWith("bitville_storage_commit_seconds") || l.startsWith("bitville_storage_batch_records")
              || l.startsWith("bitville_ingest_request_seconds{"))
          .forEach(l -> System.out.println("listener metric: " + l));
    }
  }

  private static void printStorageSize(Path dataDir, List<Buffer> bodies) throws Exception {
    double rawAverage = bodies.stream().mapToInt(Buffer::length).average().orElse(0);
    try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("bitville.db"));
        var rows = connection.createStatement().executeQuery("SELECT avg(length(payload)), count(*) FROM records")) {
      rows.next();
      System.out.printf(Locale.ROOT, "storage: payload %.0f bytes as sent, %.0f bytes stored (compressed) -> %.1fx; "
              + "database file %.1f MiB for %d records%n", rawAverage, rows.getDouble(1), rawAverage / rows.getDouble(1),
          (Files.size(dataDir.resolve("bitville.db")) + walSize(dataDir)) / 1048576.0, rows.getLong(2));
    }
  }

  private static long walSize(Path dataDir) throws Exception {
    Path wal = dataDir.resolve("bitville.db-wal");
    return Files.exists(wal) ? Files.size(wal) : 0;
  }

  private static long countRows(Path dataDir) throws Exception {
    try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("bitville.db"));
        var rows = connection.createStatement().executeQuery("SELECT count(*) FROM records")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
    } catch (Exception e) {
      return "unknown CPU";
    }
  }

}
