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
 * does the same once more with the duplicate check off ({@code storage.deduplicatePhp=false}) and once without
 * the rollup verticle, each on another fresh directory, then measures the ceiling (a trivial HTTPS endpoint)
 * the same way and prints the ratios. For every server it prints the server process's own CPU per request
 * (utime + stime from /proc over the measured run, divided by the requests served) and where it went by thread.
 * Usage: BenchIngest LISTENER_JAR CONNECTIONS SECONDS [INGEST_INSTANCES]
 * Env: BENCH_WARMUP_SECONDS; BENCH_WORKLOAD=fixtures (the four PHP captures, default) or slow_get (only the
 * 55 KB slow_get capture); BENCH_VARIANTS=all (default), default (only the listener in its default
 * configuration, then the ceiling), rollups (the listener with, then without the rollup verticle, then the
 * ceiling) or ablation (the default, then without rollups, without redaction too, without the duplicate check
 * too, and without the fsync per commit too: what each part costs); BENCH_JFR_DIR=DIR records a JFR profile of
 * each listener's measured run there.
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
    // a warm-up by request count ends at the same JIT state however busy the machine is (then the seconds bound it)
    long warmUpRequests = Long.parseLong(System.getenv().getOrDefault("BENCH_WARMUP_REQUESTS",
        String.valueOf(Long.MAX_VALUE)));
    String workload = System.getenv().getOrDefault("BENCH_WORKLOAD", "fixtures");
    List<Buffer> bodies = switch (workload) {
      case "fixtures" -> Fixtures.PHP_WIRE.stream().map(Fixtures::php).toList();
      case "slow_get" -> List.of(Fixtures.php("wire/slow_get.json"));
      default -> throw new IllegalArgumentException("BENCH_WORKLOAD must be fixtures or slow_get, got " + workload);
    };
    String variantChoice = System.getenv().getOrDefault("BENCH_VARIANTS", "all");
    List<Variant> variants = Variant.of(variantChoice);
    Vertx vertx = Vertx.vertx();
    Path dataDir = null;
    try {
      LoadGenerator generator = new LoadGenerator(vertx, bodies, TestListener.SHOP_KEY, warmUpRequests);
      System.out.printf(Locale.ROOT, "machine: %d cores, %s; connections=%d, warm-up=%ds, duration=%ds, "
          + "ingest instances=%d, workload %s (%d bodies, %.0f bytes on average, a fresh correlation id per request)"
          + "%s; load average %s%n", Runtime.getRuntime().availableProcessors(), cpuModel(), connections, warmUp,
          seconds, instances, workload, bodies.size(), bodies.stream().mapToInt(Buffer::length).average().orElse(0),
          warmUpRequests == Long.MAX_VALUE ? "" : ", warm-up ends after " + warmUpRequests + " requests", loadAverage());
      Measured listener = null;
      for (Variant variant : variants) {
        if (dataDir != null) {
          TestListener.deleteRecursively(dataDir);
        }
        dataDir = Files.createTempDirectory("bitville-bench-");
        Measured measured = measureListener(jar, dataDir, generator, bodies, connections, warmUp, seconds,
            instances, variant);
        if (listener == null) {
          listener = measured;
        } else {
          printAgainstDefault(variants.get(0), listener, variant, measured);
        }
      }
      int ceilingPort = TestListener.freePort();
      Process ceilingProcess = startProcess(List.of(java(), "-cp", System.getProperty("java.class.path"),
          CeilingServer.class.getName(), String.valueOf(ceilingPort), dataDir.resolve("tls/listener.p12").toString(),
          Files.readString(dataDir.resolve("tls/listener.p12.password")).trim(), String.valueOf(instances)),
          "ceiling server is ready");
      Measured ceiling;
      Path certificate = dataDir.resolve("tls/listener-cert.pem");
      try {
        generator.warmUp(ceilingPort, certificate, "/", connections, warmUp);
        ceiling = measureCpu(ceilingProcess.pid(), "ceiling",
            () -> generator.run(ceilingPort, certificate, "/", connections, seconds));
      } finally {
        generator.forget(ceilingPort);
        ceilingProcess.destroy();
        ceilingProcess.waitFor(20, TimeUnit.SECONDS);
      }
      print("ceiling", ceiling.result());
      System.out.println(ceiling.cpuLine());
      printTargets(listener, ceiling);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (dataDir != null) {
        TestListener.deleteRecursively(dataDir);
      }
    }
  }

  /**
   * A listener configuration to measure: the default first, then variants with parts switched off, so that the
   * CPU each part costs is measured in one run.
   */
  record Variant(String name, boolean deduplicate, boolean rollups, boolean redaction, String synchronous) {

    static final Variant DEFAULT = new Variant("listener", true, true, true, "FULL");

    static List<Variant> of(String choice) {
      Variant noRollups = new Variant("listener without rollups", true, false, true, "FULL");
      Variant noRedaction = new Variant("listener without rollups and redaction", true, false, false, "FULL");
      Variant noDuplicateCheck = new Variant("listener without rollups, redaction and duplicate check", false,
          false, false, "FULL");
      return switch (choice) {
        case "all" -> List.of(DEFAULT, new Variant("listener without duplicate check", false, true, true, "FULL"),
            noRollups);
        case "default" -> List.of(DEFAULT);
        case "rollups" -> List.of(DEFAULT, noRollups);
        case "ablation" -> List.of(DEFAULT, noRollups, noRedaction, noDuplicateCheck,
            new Variant("listener without rollups, redaction, duplicate check and fsync per commit", false, false,
                false, "NORMAL"));
        default -> throw new IllegalArgumentException("BENCH_VARIANTS must be all, default, rollups or ablation, got "
            + choice);
      };
    }

    /** Like {@code other} but for the duplicate check, which only this one has off. */
    boolean onlyDuplicateCheckOffAgainst(Variant other) {
      return !deduplicate && other.deduplicate && rollups == other.rollups && sameRest(other);
    }

    /** Like {@code other} but for the rollup verticle, which only this one has off. */
    boolean onlyRollupsOffAgainst(Variant other) {
      return !rollups && other.rollups && deduplicate == other.deduplicate && sameRest(other);
    }

    private boolean sameRest(Variant other) {
      return redaction == other.redaction && synchronous.equals(other.synchronous);
    }
  }

  private static void printAgainstDefault(Variant first, Measured listener, Variant variant, Measured measured) {
    LoadGenerator.Result result = measured.result();
    if (variant.onlyDuplicateCheckOffAgainst(first)) {
      System.out.printf(Locale.ROOT, "duplicate check: requests/s with/without %.2f, p99 with/without %.2f, "
              + "CPU per request with/without %.2f%n",
          (listener.result().requests() / listener.result().seconds()) / (result.requests() / result.seconds()),
          listener.result().p99Ms() / result.p99Ms(), listener.cpuMicros() / measured.cpuMicros());
    } else if (variant.onlyRollupsOffAgainst(first)) {
      System.out.printf(Locale.ROOT, "rollups: accepted records/s with/without %.2f, p99 with/without %.2f, "
              + "CPU per request with/without %.2f%n",
          (listener.result().acceptedRecords() / listener.result().seconds())
              / (result.acceptedRecords() / result.seconds()), listener.result().p99Ms() / result.p99Ms(),
          listener.allMicros() / measured.allMicros());
    }
    System.out.printf(Locale.ROOT, "%s: CPU per request %.0f us against the default's %.0f us (%.0f us less)%n",
        variant.name(), measured.allMicros(), listener.allMicros(), listener.allMicros() - measured.allMicros());
  }

  /** A measured run and the server's CPU over it. */
  record Measured(LoadGenerator.Result result, ProcessCpu.Usage cpu, String cpuLine, double deferredMicros) {

    Measured(LoadGenerator.Result result, ProcessCpu.Usage cpu, String cpuLine) {
      this(result, cpu, cpuLine, Double.NaN);
    }

    /** CPU per request with the rollup's deferred work when it was measured, else within the run. */
    double allMicros() {
      return Double.isNaN(deferredMicros) ? cpuMicros() : deferredMicros;
    }

    double cpuMicros() {
      return cpu.microsPer(result.requests());
    }

    double cpuMicrosWithoutJit() {
      return cpuMicros() - cpu.secondsByGroup().get("JIT compiler") * 1e6 / Math.max(1, result.requests());
    }
  }

  interface Run {
    LoadGenerator.Result run() throws Exception;
  }

  /** Runs the load and reads the server process's CPU from /proc just before and just after it. */
  private static Measured measureCpu(long pid, String name, Run run) throws Exception {
    ProcessCpu.Snapshot before = ProcessCpu.snapshot(pid);
    LoadGenerator.Result result = run.run();
    ProcessCpu.Snapshot after = ProcessCpu.snapshot(pid);
    ProcessCpu.Usage usage = ProcessCpu.between(pid, before, after);
    String line = String.format(Locale.ROOT, "%s: server CPU %.0f us per request (%.1f s CPU over %.1f s for %d "
            + "requests, %.0f%% of one core)%n%s", name, usage.microsPer(result.requests()), usage.processSeconds(),
        result.seconds(), result.requests(), 100 * usage.processSeconds() / result.seconds(),
        ProcessCpu.describe(usage, result.seconds(), result.requests()));
    return new Measured(result, usage, line);
  }

  /**
   * Under overload the rollup yields to ingest and works off the run's records after it, so the run's own CPU
   * leaves that work out. This adds it: the process's CPU from the run's start until the rollup has caught up
   * (it had caught up with the warm-up before the run), less what the idle process uses over the catch-up time
   * (measured for 3 s right after), per record of the run.
   */
  private static Measured withDeferredWork(long pid, String name, Measured measured, ProcessCpu.Snapshot start,
      double catchUpSeconds) throws Exception {
    ProcessCpu.Snapshot caughtUp = ProcessCpu.snapshot(pid);
    Thread.sleep(3_000);
    double idlePerSecond = ProcessCpu.between(pid, caughtUp, ProcessCpu.snapshot(pid)).processSeconds() / 3.0;
    ProcessCpu.Usage usage = ProcessCpu.between(pid, start, caughtUp);
    long requests = measured.result().requests();
    double idle = idlePerSecond * catchUpSeconds;
    double micros = (usage.processSeconds() - idle) * 1e6 / Math.max(1, requests);
    System.out.printf(Locale.ROOT, "%s: CPU per request with the rollup's deferred work %.0f us (%.1f s CPU from the "
            + "run's start until the rollup caught up %.1f s after it, less %.2f s idle; the run alone %.0f us)%n%s%n",
        name, micros, usage.processSeconds(), catchUpSeconds, idle, measured.cpuMicros(),
        ProcessCpu.describe(usage, measured.result().seconds() + catchUpSeconds, requests));
    return new Measured(measured.result(), measured.cpu(), measured.cpuLine(), micros);
  }

  /** The targets: listener CPU per request at most twice the ceiling's, p99 at most 50 ms. */
  private static void printTargets(Measured listener, Measured ceiling) {
    double cpuRatio = listener.cpuMicros() / ceiling.cpuMicros();
    System.out.printf(Locale.ROOT, "ratio listener/ceiling (requests/s): %.2f%n",
        (listener.result().requests() / listener.result().seconds())
            / (ceiling.result().requests() / ceiling.result().seconds()));
    System.out.printf(Locale.ROOT, "CPU per request: listener %.0f us, ceiling %.0f us, ratio %.2f (target <= 2.00: "
            + "%s); listener p99 %.1f ms (target <= 50 ms: %s); load average %s%n", listener.cpuMicros(),
        ceiling.cpuMicros(), cpuRatio, cpuRatio <= 2.0 ? "MET" : "NOT MET", listener.result().p99Ms(),
        listener.result().p99Ms() <= 50 ? "MET" : "NOT MET", loadAverage());
    if (!Double.isNaN(listener.deferredMicros())) {
      System.out.printf(Locale.ROOT, "CPU per request with the rollup's deferred work: listener %.0f us, ceiling %.0f "
          + "us, ratio %.2f%n", listener.deferredMicros(), ceiling.cpuMicros(),
          listener.deferredMicros() / ceiling.cpuMicros());
    }
    System.out.printf(Locale.ROOT, "CPU per request without the JIT compiler threads (what is left once compilation "
            + "has settled): listener %.0f us, ceiling %.0f us, ratio %.2f%n", listener.cpuMicrosWithoutJit(),
        ceiling.cpuMicrosWithoutJit(), listener.cpuMicrosWithoutJit() / ceiling.cpuMicrosWithoutJit());
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (Exception e) {
      return "unknown";
    }
  }

  /** One listener process on a fresh directory: warm-up, measured run, rows counted in SQLite. */
  private static Measured measureListener(Path jar, Path dataDir, LoadGenerator generator,
      List<Buffer> bodies, int connections, int warmUp, int seconds, int instances, Variant variant)
      throws Exception {
    String name = variant.name();
    boolean rollups = variant.rollups();
    JsonObject config = TestListener.baseConfig(dataDir)
        .put("verticles", new JsonObject().put("http-ingest", instances).put("storage", 1).put("management", 1)
            .put("rollup", rollups ? 1 : 0))
        .put("storage", new JsonObject().put("deduplicatePhp", variant.deduplicate())
            .put("synchronous", variant.synchronous()))
        .put("redaction", new JsonObject().put("enabled", variant.redaction()))
        .put("ingest", TestListener.baseConfig(dataDir).getJsonObject("ingest").put("rateLimit",
            new JsonObject().put("perKeyPerSecond", 1_000_000).put("perClientPerSecond", 1_000_000)));
    Files.writeString(dataDir.resolve("listener.json"), config.encodePrettily());
    int port = config.getJsonObject("ingest").getInteger("port");
    List<String> command = new java.util.ArrayList<>(List.of(java()));
    String jvmOptions = System.getenv().getOrDefault("BENCH_LISTENER_JVM_OPTS", "");
    if (!jvmOptions.isBlank()) {
      command.addAll(List.of(jvmOptions.trim().split("\\s+")));
    }
    String jfrDir = System.getenv("BENCH_JFR_DIR");
    if (jfrDir != null && !jfrDir.isBlank()) {
      // JFR's first recording instruments JDK classes, which throws away compiled code: started mid-run, that
      // recompilation filled the measured window (C2 at 60-70 % of a core); a light recording from the start
      // moves it into the warm-up
      command.add("-XX:StartFlightRecording=name=launch,settings=default,maxage=30s");
    }
    command.addAll(List.of("-jar", jar.toString(), "--conf", dataDir.resolve("listener.json").toString()));
    Process process = startProcess(command, "listener is ready");
    Measured measured;
    long rows;
    try {
      generator.warmUp(port, dataDir.resolve("tls/listener-cert.pem"), "/ingest/php", connections, warmUp);
      if (rollups) {
        // the run's CPU then includes no rollup work left over from the warm-up
        System.out.printf(Locale.ROOT, "%s: rollup caught up with the warm-up in %.1f s%n", name,
            RollupLag.catchUpSeconds(dataDir, 300));
      }
      long warmRows = countRows(dataDir);
      RollupLag lag = rollups ? RollupLag.sample(dataDir) : null;
      Path jfr = startJfr(process.pid(), name);
      ProcessCpu.Snapshot start = ProcessCpu.snapshot(process.pid());
      measured = measureCpu(process.pid(), name,
          () -> generator.run(port, dataDir.resolve("tls/listener-cert.pem"), "/ingest/php", connections, seconds));
      stopJfr(process.pid(), jfr);
      rows = countRows(dataDir) - warmRows;
      if (lag != null) {
        lag.stop();
        double catchUp = RollupLag.catchUpSeconds(dataDir, 300);
        System.out.printf(Locale.ROOT, "%s: rollup at most %d records behind during the run; caught up %.1f s after "
            + "the load stopped%n", name, lag.maxBehind(), catchUp);
        measured = withDeferredWork(process.pid(), name, measured, start, catchUp);
      }
      printStorageSize(dataDir, bodies);
      printStorageMetrics(config.getJsonObject("management").getInteger("port"));
    } finally {
      generator.forget(port);
      process.destroy();
      process.waitFor(40, TimeUnit.SECONDS);
    }
    LoadGenerator.Result result = measured.result();
    print(name, result);
    System.out.println(measured.cpuLine());
    System.out.printf(Locale.ROOT, "%s: rows found in SQLite for the measured run: %d (accepted %d) -> %s%n", name,
        rows, result.acceptedRecords(), rows == result.acceptedRecords() ? "MATCH" : "MISMATCH");
    return measured;
  }

  /** With BENCH_JFR_DIR set: a JFR recording (CPU samples every 10 ms, allocation samples) of the run. */
  private static Path startJfr(long pid, String name) throws Exception {
    String dir = System.getenv("BENCH_JFR_DIR");
    if (dir == null || dir.isBlank()) {
      return null;
    }
    Path file = Path.of(dir).toAbsolutePath().resolve(name.replace(' ', '-') + "-" + pid + ".jfr");
    Files.createDirectories(file.getParent());
    jcmd(pid, "JFR.start", "name=bench", "settings=profile", "filename=" + file);
    return file;
  }

  private static void stopJfr(long pid, Path file) throws Exception {
    if (file != null) {
      jcmd(pid, "JFR.stop", "name=bench");
      System.out.println("JFR recording of the measured run: " + file);
    }
  }

  private static void jcmd(long pid, String... arguments) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd")
        .toString(), String.valueOf(pid)));
    command.addAll(List.of(arguments));
    Process jcmd = new ProcessBuilder(command).redirectErrorStream(true).start();
    jcmd.getInputStream().readAllBytes();
    jcmd.waitFor(60, TimeUnit.SECONDS);
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
