package com.bitville.apm.listener.bench;

import com.bitville.apm.listener.analysis.RecordRollup;
import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.config.RedactionSettings;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.normalize.BodyParser;
import com.bitville.apm.shared.normalize.Utf8;
import com.bitville.apm.shared.php.PhpPayloadNormalizer;
import com.bitville.apm.shared.php.PhpProfile;
import com.bitville.apm.shared.php.PhpSparseReader;
import com.bitville.apm.shared.php.SqlSecretRedactor;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * CPU per payload of each step the listener runs for one PHP record, one thread, measured as thread CPU time
 * (so other processes on the machine do not count): ingest's redaction, sparse parse and normalization, LZ4,
 * and the rollup's decoding of the stored payload (full tree and sparse read side by side) and aggregation.
 * Usage: BenchIngestParts [FIXTURE=wire/slow_get.json] [ROUNDS=8] [PER_ROUND=2000]; with BENCH_BASELINE_JAR=JAR
 * it also measures that jar's redactor in the same run.
 */
public final class BenchIngestParts {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private BenchIngestParts() {
  }

  interface Step {
    long run(int i);
  }

  public static void main(String[] args) {
    String fixture = args.length > 0 ? args[0] : "wire/slow_get.json";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    byte[] body = Fixtures.php(fixture).getBytes();
    SqlSecretRedactor redactor = RedactionSettings.from(new JsonObject()).redactor();
    BodyParser parser = new BodyParser(64, 1000);
    byte[] stored = PayloadCodec.compress(body);
    JsonObject tree = new JsonObject(new String(body, StandardCharsets.UTF_8));
    java.util.function.Function<byte[], byte[]> baselineRedactor = baselineRedactor(System.getenv("BENCH_BASELINE_JAR"));
    java.util.function.ToIntFunction<byte[]> baselineProfileRead = baselineProfileRead(System.getenv("BENCH_BASELINE_JAR"));
    System.out.printf(Locale.ROOT, "%s: %d bytes, %d rounds of %d, thread CPU per payload (us); the last round "
        + "counts, the earlier ones warm up%n", fixture, body.length, rounds, perRound);
    for (int round = 1; round <= rounds; round++) {
      StringBuilder line = new StringBuilder("round " + round + ":");
      step(line, "redact", perRound, i -> redactor.redact(body).length);
      if (baselineRedactor != null) {
        step(line, "redact (baseline jar)", perRound, i -> baselineRedactor.apply(body).length);
      }
      step(line, "utf8 check", perRound, i -> Utf8.firstInvalid(body, 0, body.length));
      step(line, "sparse parse (incl. utf8 check)", perRound, i -> parser.parsePhp(body, false).size());
      step(line, "parse+normalize+lz4", perRound, i -> {
        BodyParser.Item item = parser.parsePhp(body, false).get(0);
        return PhpPayloadNormalizer.normalize(item.object(), item.rawJson(), "shop", 1L, "$").payload().length;
      });
      step(line, "lz4", perRound, i -> PayloadCodec.compress(body).length);
      step(line, "rollup read full", perRound, i -> new JsonObject(PayloadCodec.decompress(stored)).size());
      step(line, "rollup read sparse", perRound,
          i -> PhpSparseReader.readProfile(PayloadCodec.decompressToBytes(stored)).size());
      if (baselineProfileRead != null) {
        step(line, "rollup read sparse (baseline jar)", perRound,
            i -> baselineProfileRead.applyAsInt(PayloadCodec.decompressToBytes(stored)));
      }
      step(line, "profile+aggregate", perRound, i -> {
        RollupBatch batch = new RollupBatch();
        RecordRollup.add(batch, new RecordRollup.StoredRecord(i, "shop", "php", "php-agent", 1_795_457_879_000L,
            1_795_457_879_000L, 812.0, "GET /checkout", "web1", 120.0, false), tree);
        return PhpProfile.of(tree).queries().size();
      });
      System.out.println(line);
    }
  }

  /**
   * With BENCH_BASELINE_JAR: the redactor class of another listener jar, loaded on its own with the default
   * settings, so that both versions are measured in the same run.
   */
  private static java.util.function.Function<byte[], byte[]> baselineRedactor(String jar) {
    if (jar == null || jar.isBlank()) {
      return null;
    }
    try {
      var loader = new java.net.URLClassLoader(new java.net.URL[] {java.nio.file.Path.of(jar).toUri().toURL()},
          ClassLoader.getPlatformClassLoader());
      RedactionSettings settings = RedactionSettings.from(new JsonObject());
      Class<?> type = loader.loadClass(SqlSecretRedactor.class.getName());
      Object redactor = type.getConstructor(String.class, java.util.List.class, boolean.class)
          .newInstance(settings.secretNames(), settings.valuePatterns(), settings.cardNumbers());
      var redact = type.getMethod("redact", byte[].class);
      return bytes -> {
        try {
          return (byte[]) redact.invoke(redactor, (Object) bytes);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      };
    } catch (Exception e) {
      throw new IllegalStateException("cannot load the redactor of " + jar, e);
    }
  }

  /** With BENCH_BASELINE_JAR: that jar's {@code PhpSparseReader.readProfile}, loaded on its own. */
  private static java.util.function.ToIntFunction<byte[]> baselineProfileRead(String jar) {
    if (jar == null || jar.isBlank()) {
      return null;
    }
    try {
      var loader = new java.net.URLClassLoader(new java.net.URL[] {java.nio.file.Path.of(jar).toUri().toURL()},
          ClassLoader.getPlatformClassLoader());
      var read = loader.loadClass(PhpSparseReader.class.getName()).getMethod("readProfile", byte[].class);
      var size = loader.loadClass(JsonObject.class.getName()).getMethod("size");
      return bytes -> {
        try {
          return (int) size.invoke(read.invoke(null, (Object) bytes));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      };
    } catch (Exception e) {
      throw new IllegalStateException("cannot load the profile reader of " + jar, e);
    }
  }

  private static void step(StringBuilder line, String name, int count, Step step) {
    long sink = 0;
    long started = THREADS.getCurrentThreadCpuTime();
    for (int i = 0; i < count; i++) {
      sink += step.run(i);
    }
    double micros = (THREADS.getCurrentThreadCpuTime() - started) / 1e3 / count;
    line.append(String.format(Locale.ROOT, " %s %.1f;", name, sink == Long.MIN_VALUE ? -1 : micros));
  }
}
