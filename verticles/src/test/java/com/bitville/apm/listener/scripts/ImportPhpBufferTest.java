package com.bitville.apm.listener.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.Script;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * scripts/import-php-buffer against a real listener, with the PHP agent's real disk-buffer files (a payload per
 * profile_*.json, a JSON array per buffer_*.json) and one payload over 100 KB, as the include writes them.
 */
class ImportPhpBufferTest {

  private static final String DISK_BUFFER = "disk-buffer/";
  private static final List<String> CAPTURED_FILES = List.of("profile_20261123_181705_dcf29f93.json",
      "profile_20261123_181709_f310c173.json", "buffer_1763921830.123456_5f2a9c1e.json");

  private TestListener listener;
  private Path buffer;

  @BeforeEach
  void start() throws Exception {
    listener = TestListener.start();
    buffer = Files.createTempDirectory("bitville-php-buffer-");
  }

  @AfterEach
  void stop() throws Exception {
    listener.close();
    TestListener.deleteRecursively(buffer);
  }

  @Test
  @DisplayName("Every buffered request arrives once; the files go; a refused file lands in rejected/ with its answer")
  void importsEveryFileOnce() throws Exception {
    List<String> expected = writeCapturedFiles();
    String big = writeOversizePayload("profile_20261123_181800_0badcafe.json", 110_000);
    expected.add(big);
    Files.writeString(buffer.resolve("profile_20261123_181801_00000000.json"), "{\"project\":\"myproject\"}");

    Script.Result run = importBuffer();
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("total: 4 sent (" + expected.size() + " records accepted, 0 of them already "
        + "stored), 1 rejected, 0 left"), run.output());
    assertStoredOnce(expected);
    assertEquals(List.of("rejected"), names(buffer));
    assertEquals(List.of("profile_20261123_181801_00000000.json", "profile_20261123_181801_00000000.json.answer"),
        names(buffer.resolve("rejected")));
    assertTrue(Files.readString(buffer.resolve("rejected/profile_20261123_181801_00000000.json.answer"))
        .startsWith("HTTP 400\n{\"error\":\"bad_request\""));

    Script.Result again = importBuffer();
    assertEquals(0, again.exitCode(), again.output());
    assertTrue(again.output().contains("total: 0 sent (0 records accepted, 0 of them already stored), 0 rejected, "
        + "0 left"), again.output());
    assertStoredOnce(expected);
  }

  @Test
  @DisplayName("Oldest first, one line per file; concurrent runs over new and re-sent files store each request once")
  void concurrentRunsWithNewFiles() throws Exception {
    List<String> first = writeCapturedFiles();
    Script.Result initial = importBuffer();
    assertEquals(0, initial.exitCode(), initial.output());
    List<String> lines = initial.output().lines().filter(l -> l.startsWith("sent")).toList();
    assertEquals(3, lines.size(), initial.output());
    assertTrue(lines.get(0).contains(CAPTURED_FILES.get(0)) && lines.get(2).contains(CAPTURED_FILES.get(2)),
        "oldest first:\n" + initial.output());

    assertEquals(first, writeCapturedFiles(), "the same files again, as a daemon replaying its buffer would send");
    List<String> fresh = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      fresh.add(writeOversizePayload("profile_20261130_2200" + i + "0_" + i + "abcdef0.json", 20_000));
    }
    CompletableFuture<Script.Result> one = Script.start("import-php-buffer", arguments(), Map.of());
    CompletableFuture<Script.Result> two = Script.start("import-php-buffer", arguments(), Map.of());
    String output = "";
    for (Script.Result result : List.of(one.get(), two.get())) {
      assertTrue(result.exitCode() == 0 || result.exitCode() == 75, result.output());
      output += result.output();
    }
    assertTrue(output.contains(", " + first.size() + " of them already stored)"), "the re-sent requests:\n" + output);
    List<String> all = new ArrayList<>(first);
    all.addAll(fresh);
    assertStoredOnce(all);
    assertEquals(List.of(), names(buffer));
  }

  @Test
  @DisplayName("A wrong key stops the run and keeps every file; an unreachable listener leaves them for the next")
  void failuresKeepFiles() throws Exception {
    writeCapturedFiles();
    Script.Result wrongKey = Script.run("import-php-buffer", List.of("--url", baseUrl(), "--key",
        "not-the-key-0123456789", "--cacert", listener.certificate().toString(), buffer.toString()));
    assertEquals(3, wrongKey.exitCode(), wrongKey.output());
    assertTrue(wrongKey.output().contains("HTTP 401") && wrongKey.output().contains("refuses this key"),
        wrongKey.output());
    assertEquals(3, names(buffer).stream().filter(n -> n.endsWith(".json")).count());

    Script.Result unreachable = Script.run("import-php-buffer", List.of("--url", "https://localhost:"
        + TestListener.freePort(), "--key", TestListener.SHOP_KEY, "--cacert", listener.certificate().toString(),
        buffer.toString()));
    assertEquals(1, unreachable.exitCode(), unreachable.output());
    assertTrue(unreachable.output().contains("3 left"), unreachable.output());

    Script.Result dryRun = Script.run("import-php-buffer", List.of("--dry-run", buffer.toString()));
    assertEquals(0, dryRun.exitCode(), dryRun.output());
    assertEquals(3, dryRun.output().lines().filter(l -> l.startsWith("would send")).count(), dryRun.output());
    assertEquals(3, names(buffer).stream().filter(n -> n.endsWith(".json")).count());
    assertEquals(0, listener.count("SELECT count(*) FROM records"));
  }

  @Test
  @DisplayName("A file still being written is skipped and sent once it is complete")
  void skipsFileBeingWritten() throws Exception {
    String id = UUID.randomUUID().toString();
    String payload = payloadWithId("disk-buffer/profile_20261123_181709_f310c173.json", id);
    Path file = buffer.resolve("profile_20261130_220000_11111111.json");
    Files.writeString(file, payload.substring(0, payload.length() / 2));
    Script.Result partial = importBuffer();
    assertEquals(1, partial.exitCode(), partial.output());
    assertTrue(partial.output().contains("still being written"), partial.output());
    assertTrue(Files.exists(file));
    Files.writeString(file, payload);
    Script.Result complete = importBuffer();
    assertEquals(0, complete.exitCode(), complete.output());
    assertStoredOnce(List.of(id));
  }

  @Test
  @DisplayName("A buffer array over the listener's 2 MiB body limit is sent in parts: every record stored once")
  void splitsArrayOverBodyLimit() throws Exception {
    List<String> ids = new ArrayList<>();
    StringBuilder array = new StringBuilder("[");
    while (array.length() < 5 * 1024 * 1024) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      array.append(array.length() > 1 ? "," : "").append(oversizePayload(id, 60_000, ids.size()));
    }
    String name = "buffer_1764540000.123456_5f2a9c1e.json";
    Files.writeString(buffer.resolve(name), array.append("]").toString());

    Script.Result dryRun = Script.run("import-php-buffer", List.of("--dry-run", buffer.toString()));
    assertTrue(dryRun.output().contains("would send " + name + " (" + array.length() + " bytes, in parts of at most "
        + "2097152 bytes and 1000 records)"), dryRun.output());

    Script.Result run = importBuffer();
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("sent     " + name + ": " + ids.size() + " records in 3 parts of at most "
        + "2097152 bytes and 1000 records, " + ids.size() + " accepted (0 already stored)"), run.output());
    assertStoredOnce(ids);
    assertEquals(List.of(), names(buffer));
  }

  @Test
  @DisplayName("A lower limit named by a 413 is followed; a record over it alone is refused with a clear message")
  void followsLowerLimitAndRefusesSingleRecordOverIt() throws Exception {
    listener.close();
    listener = TestListener.start(new JsonObject().put("ingest", new JsonObject().put("maxBodyBytes", 65_536)));
    List<String> stored = new ArrayList<>();
    StringBuilder array = new StringBuilder("[\n");
    String tooBig = UUID.randomUUID().toString();
    for (int i = 0; i < 12; i++) {
      String id = i == 7 ? tooBig : UUID.randomUUID().toString();
      array.append(i > 0 ? ",\n" : "").append(oversizePayload(id, i == 7 ? 70_000 : 20_000, i));
      if (i != 7) {
        stored.add(id);
      }
    }
    String name = "buffer_1764540000.654321_0badcafe.json";
    Files.writeString(buffer.resolve(name), array.append("\n]\n").toString());
    String broken = "buffer_1764540001.000000_00000000.json";
    Files.writeString(buffer.resolve(broken), "[" + oversizePayload(UUID.randomUUID().toString(), 40_000, 1) + "},"
        + oversizePayload(UUID.randomUUID().toString(), 40_000, 2) + "]");
    String single = "profile_20261130_220000_22222222.json";
    Files.writeString(buffer.resolve(single), oversizePayload(UUID.randomUUID().toString(), 70_000, 0));
    Files.setLastModifiedTime(buffer.resolve(single), FileTime.from(Instant.now().minusSeconds(120)));

    Script.Result run = importBuffer();
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("rejected " + single + ": HTTP 413, one request larger than the listener's "
        + "body limit (ingest.maxBodyBytes)"), run.output());
    assertTrue(run.output().contains("partly   " + name + ": 12 records in ") && run.output().contains(
        " parts of at most 65536 bytes and 1000 records, 11 accepted (0 already stored), 1 parts refused -> rejected/ (records 8-8 "
        + "of 12 ("), run.output());
    assertStoredOnce(stored);
    assertTrue(run.output().contains("rejected " + broken + ": HTTP 413, larger than the listener's body limit and "
        + "not a well-formed JSON array, so it cannot be sent in parts"), run.output());
    assertEquals(List.of(name, name + ".answer", broken, broken + ".answer", single, single + ".answer"),
        names(buffer.resolve("rejected")));
    String answer = Files.readString(buffer.resolve("rejected/" + name + ".answer"));
    assertTrue(answer.startsWith("records 8-8 of 12 (") && answer.contains("a record larger than the listener's body "
        + "limit, ingest.maxBodyBytes): HTTP 413\n{\"error\":\"payload_too_large\""), answer);
    assertTrue(Files.readString(buffer.resolve("rejected/" + single + ".answer")).startsWith("HTTP 413\n"));

    // docs/php-agent.md: raise ingest.maxBodyBytes, move the files back, and the next run sends them
    listener.stop();
    listener = TestListener.start(listener.dataDir(), new JsonObject().put("ingest", new JsonObject()
        .put("maxBodyBytes", 8_388_608)));
    Script.Result moved = shell("mv " + buffer + "/rejected/" + name + " " + buffer + "/rejected/" + single + " "
        + buffer + "/");
    assertEquals(0, moved.exitCode(), moved.output());
    Script.Result again = importBuffer();
    assertEquals(0, again.exitCode(), again.output());
    assertTrue(again.output().contains("total: 2 sent (13 records accepted, 11 of them already stored), 0 rejected"),
        again.output());
    assertEquals(13, listener.count("SELECT count(*) FROM records"));
    assertEquals(1, listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", tooBig));
  }

  @Test
  @DisplayName("A listener's lower ingest.maxItems, named in its 400, or --max-items splits arrays by record count")
  void splitsByItemLimit() throws Exception {
    listener.close();
    listener = TestListener.start(new JsonObject().put("ingest", new JsonObject().put("maxItems", 5)));
    List<String> ids = new ArrayList<>();
    String twelve = writeArray("buffer_1764540000.000001_aaaaaaaa.json", 12, ids, 300);
    String seven = writeArray("buffer_1764540000.000002_bbbbbbbb.json", 7, ids, 240);

    Script.Result run = importBuffer();
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("sent     " + twelve + ": 12 records in 3 parts of at most 2097152 bytes and 5 "
        + "records, 12 accepted (0 already stored)"), run.output());
    assertTrue(run.output().contains("sent     " + seven + ": 7 records in 2 parts of at most 2097152 bytes and 5 "
        + "records, 7 accepted (0 already stored)"), run.output());
    assertStoredOnce(ids);
    assertEquals(List.of(), names(buffer));

    String four = writeArray("buffer_1764540000.000003_cccccccc.json", 4, ids, 180);
    Script.Result dryRun = Script.run("import-php-buffer", List.of("--dry-run", buffer.toString()),
        Map.of("BITVILLE_MAX_ITEMS", "3"));
    assertTrue(dryRun.output().contains("would send " + four + " (" + Files.size(buffer.resolve(four))
        + " bytes, in parts of at most 2097152 bytes and 3 records)"), dryRun.output());
    List<String> withOption = new ArrayList<>(List.of("--max-items", "3"));
    withOption.addAll(arguments());
    Script.Result optioned = Script.run("import-php-buffer", withOption);
    assertEquals(0, optioned.exitCode(), optioned.output());
    assertTrue(optioned.output().contains("sent     " + four + ": 4 records in 2 parts of at most 2097152 bytes and "
        + "3 records, 4 accepted (0 already stored)"), optioned.output());
    assertStoredOnce(ids);

    Script.Result badOption = Script.run("import-php-buffer", List.of("--dry-run", "--max-items", "0",
        buffer.toString()));
    assertEquals(2, badOption.exitCode(), badOption.output());
  }

  @Test
  @DisplayName("Both limits learned while sending in parts: a 413 cuts the parts by bytes, then a 400 by records")
  void learnsBothLimitsInParts() throws Exception {
    int recordBytes = smallPayload(UUID.randomUUID().toString()).length();
    int bodyLimit = 8 * recordBytes;
    listener.close();
    listener = TestListener.start(new JsonObject().put("ingest", new JsonObject().put("maxItems", 5)
        .put("maxBodyBytes", bodyLimit)));
    List<String> ids = new ArrayList<>();
    String name = writeArray("buffer_1764540000.000004_dddddddd.json", 12, ids, 120, (id, i) -> smallPayload(id));

    Script.Result run = importBuffer();
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("sent     " + name + ": 12 records in 3 parts of at most " + bodyLimit
        + " bytes and 5 records, 12 accepted ("), run.output());
    assertStoredOnce(ids);
    assertEquals(List.of(), names(buffer));
  }

  private static String smallPayload(String id) {
    return payloadWithId("wire/nosql_noxhprof.json", id);
  }

  /** A buffer array of {@code count} new payloads, modified {@code ageSeconds} ago; adds their ids to {@code ids}. */
  private String writeArray(String name, int count, List<String> ids, long ageSeconds) throws Exception {
    return writeArray(name, count, ids, ageSeconds, (id, i) -> oversizePayload(id, 2_000, i));
  }

  private String writeArray(String name, int count, List<String> ids, long ageSeconds,
      BiFunction<String, Integer, String> payload) throws Exception {
    StringBuilder array = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      String id = UUID.randomUUID().toString();
      ids.add(id);
      array.append(i > 0 ? "," : "").append(payload.apply(id, i));
    }
    Path file = buffer.resolve(name);
    Files.writeString(file, array.append("]").toString());
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(ageSeconds)));
    return name;
  }

  @Test
  @DisplayName("As installed: the unit's command with its settings file (BITVILLE_URL, _KEY, _CACERT, _BUFFER_DIRS)")
  void runsAsInstalled() throws Exception {
    Path root = Files.createTempDirectory("bitville-root-");
    try {
      Script.Result install = Script.run("install-php-buffer-importer", List.of("--root", root.toString(), "--url",
          baseUrl(), "--key", TestListener.SHOP_KEY, "--cacert", listener.certificate().toString()));
      assertEquals(0, install.exitCode(), install.output());
      TestListener.deleteRecursively(buffer);
      buffer = root.resolve("var/lib/bitville-apm/buffer");
      List<String> ids = writeCapturedFiles();
      String service = Files.readString(root.resolve("etc/systemd/system/bitville-import-php-buffer.service"));
      String command = service.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
          .substring("ExecStart=".length());
      String settingsFile = service.lines().filter(l -> l.startsWith("EnvironmentFile=")).findFirst().orElseThrow()
          .substring("EnvironmentFile=".length());
      // The unit's absolute paths, read below the scratch root (what the unit would see on a real server).
      StringBuilder environment = new StringBuilder("env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin");
      for (String line : Files.readAllLines(root.resolve(settingsFile.substring(1)))) {
        if (!line.isBlank() && !line.startsWith("#")) {
          int equals = line.indexOf('=');
          String value = line.substring(equals + 1);
          environment.append(" '").append(line, 0, equals + 1).append(value.startsWith("/") ? root + value : value)
              .append('\'');
        }
      }
      Script.Result run = shell(environment + " " + root + command);
      assertEquals(0, run.exitCode(), run.output());
      assertTrue(run.output().contains("total: 3 sent (" + ids.size() + " records accepted"), run.output());
      assertStoredOnce(ids);
    } finally {
      TestListener.deleteRecursively(root);
    }
  }

  private static Script.Result shell(String command) throws Exception {
    Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), command);
    return new Script.Result(process.exitValue(), output);
  }

  private Script.Result importBuffer() throws Exception {
    return Script.run("import-php-buffer", arguments());
  }

  private List<String> arguments() {
    return List.of("--url", baseUrl(), "--key", TestListener.SHOP_KEY, "--cacert",
        listener.certificate().toString(), buffer.toString());
  }

  private String baseUrl() {
    return "https://localhost:" + listener.ingestPort();
  }

  /** The captured disk-buffer files, stamped with current times, their modification times in capture order. */
  private List<String> writeCapturedFiles() throws Exception {
    List<String> ids = new ArrayList<>();
    long minute = 0;
    for (String name : CAPTURED_FILES) {
      String text = Fixtures.php(DISK_BUFFER + name).toString(StandardCharsets.UTF_8);
      Path file = buffer.resolve(name);
      Files.writeString(file, text);
      Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(600 - 60 * minute++)));
      if (text.startsWith("[")) {
        new JsonArray(text).forEach(item -> ids.add(((JsonObject) item).getString("correlation_id")));
      } else {
        ids.add(new JsonObject(text).getString("correlation_id"));
      }
    }
    return ids;
  }

  /** A real payload grown past {@code minBytes} with more of its own SQL statements, under a new id. */
  private String writeOversizePayload(String name, int minBytes) throws Exception {
    String id = UUID.randomUUID().toString();
    Files.writeString(buffer.resolve(name), oversizePayload(id, minBytes, 0));
    return id;
  }

  /**
   * The real slow_get payload under {@code id}, grown past {@code minBytes} with more of its own SQL statements,
   * encoded as PHP's json_encode does ({@code \/}); statement {@code variant} carries a string full of the
   * characters a JSON splitter must not take for structure.
   */
  private static String oversizePayload(String id, int minBytes, int variant) {
    JsonObject payload = new JsonObject(payloadWithId("wire/slow_get.json", id));
    JsonArray queries = payload.getJsonObject("sql").getJsonArray("queries");
    JsonArray original = queries.copy();
    while (payload.encode().length() < minBytes) {
      original.forEach(query -> queries.add(((JsonObject) query).copy()));
    }
    queries.getJsonObject(variant % queries.size()).put("sql",
        "SELECT '],[{\"x\\\\\": \\\"}' FROM t WHERE a = '" + variant + "\\\\'");
    payload.getJsonObject("sql").getJsonObject("summary").put("total_queries", queries.size());
    String text = payload.encode().replace("/", "\\/");
    assertTrue(text.length() >= minBytes);
    return text;
  }

  private static String payloadWithId(String fixture, String id) {
    JsonObject payload = Fixtures.phpJson(fixture);
    String old = payload.getString("correlation_id");
    return payload.encode().replace(old, id);
  }

  private void assertStoredOnce(List<String> correlationIds) throws Exception {
    for (String id : correlationIds) {
      assertEquals(1, listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", id), id);
    }
    assertEquals(correlationIds.size(), listener.count("SELECT count(*) FROM records"));
    assertFalse(correlationIds.isEmpty());
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }
}
