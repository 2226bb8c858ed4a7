package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.storage.api.RequestReads.RequestDetail;
import com.bitville.apm.listener.storage.api.RouteReads.Baseline;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.pg.PostgresEnvelopeNormalizer;
import com.bitville.apm.shared.php.PhpPayloadNormalizer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request detail and comparison answers for the captured payloads, byte for byte as they were before their
 * shaping moved to the payload views ({@code golden/*.json}, written once by the earlier code with
 * {@code -Dbitville.golden.write=true}). Fields added since are named in {@link #ADDED} and left out of the
 * comparison; everything else must stay identical.
 */
class AnswerShapeGoldenTest {

  private static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static final List<String> ADDED = List.of("payload_fields");
  private static final String PHP = "fixtures/php-agent/wire/";
  private static final List<String> PG = List.of("pg_stat_activity.json", "pg_locks.json", "pg_log.json",
      "pg_stat_statements.json", "system_metrics.json");

  static Stream<Arguments> payloads() {
    return Stream.of("slow_get", "slow_post", "fatal", "nosql_noxhprof").map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("payloads")
  void requestDetailIsUnchanged(String name) throws IOException {
    JsonObject record = phpRow(name, 7);
    List<JsonObject> related = "slow_get".equals(name) ? pgRows() : List.of();
    QueryApi.ShapedDetail shaped = QueryApi.shapeDetail(new RequestDetail(record, related));
    check("detail-" + name, shaped.body());
    assertEquals(QueryApi.shown(record).subject(), shaped.subject(),
        "the comparison of a request just shown compares exactly what reading it again would");
    assertEquals(record.getLong("event_time_ms"), shaped.eventTimeMs());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("payloads")
  void comparisonIsUnchanged(String name) throws IOException {
    Comparison.Subject request = QueryApi.shown(phpRow(name, 7)).subject();
    check("comparison-" + name, QueryApi.compare(request, baseline(), 86_400_000L));
    Baseline empty = new Baseline(0, 0, null, null, null, List.of());
    check("comparison-empty-" + name, QueryApi.compare(request, empty, 3_600_000L));
  }

  private static Baseline baseline() {
    List<byte[]> sample = new ArrayList<>();
    long id = 100;
    for (String other : List.of("slow_post", "fatal", "nosql_noxhprof", "slow_get", "slow_get")) {
      sample.add(phpRow(other, id++).getBinary("payload"));
    }
    return new Baseline(12, 7, 410.5, 690.25, 701.0, sample);
  }

  private static void check(String name, JsonObject answer) throws IOException {
    Path file = GOLDEN.resolve(name + ".json");
    if (Boolean.getBoolean("bitville.golden.write")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, answer.encode() + "\n", StandardCharsets.UTF_8);
      return;
    }
    assertTrue(Files.isRegularFile(file), "golden file " + file + " missing");
    JsonObject trimmed = answer.copy();
    ADDED.forEach(trimmed::remove);
    assertEquals(Files.readString(file, StandardCharsets.UTF_8).strip(), trimmed.encode(), name);
  }

  private static JsonObject phpRow(String name, long id) {
    byte[] raw = Fixtures.read(PHP + name + ".json").getBytes();
    IngestRecord r = PhpPayloadNormalizer.normalize(new JsonObject(new String(raw, StandardCharsets.UTF_8)), raw,
        "shop", 1_795_457_900_000L, "$");
    return row(r, id);
  }

  private static List<JsonObject> pgRows() {
    List<JsonObject> rows = new ArrayList<>();
    long id = 20;
    for (String name : PG) {
      byte[] raw = Fixtures.pg(name).getBytes();
      IngestRecord r = PostgresEnvelopeNormalizer.normalize(new JsonObject(new String(raw, StandardCharsets.UTF_8)),
          raw, "shop", 1_763_920_640_000L, "$");
      rows.add(row(r, id++));
    }
    return rows;
  }

  /** The record as {@code RequestQueries} returns it: the columns of {@code QuerySql.RECORD_COLUMNS}. */
  private static JsonObject row(IngestRecord r, long id) {
    return new JsonObject().put("id", id).put("project", r.project()).put("kind", r.kind().wireName())
        .put("source", r.source()).put("correlation_id", r.correlationId()).put("event_time_ms", r.eventTimeMs())
        .put("received_at_ms", r.receivedAtMs()).put("event_time_estimated", r.eventTimeEstimated() ? 1 : 0)
        .put("duration_ms", r.durationMs()).put("route", r.route()).put("url", r.url()).put("method", r.method())
        .put("status", r.status()).put("host", r.host()).put("sql_count", r.sqlCount())
        .put("sql_time_ms", r.sqlTimeMs()).put("memory_peak_bytes", r.memoryPeakBytes())
        .put("fatal", r.fatal() ? 1 : 0).put("summary", r.summary()).put("node", "node-a")
        .put("payload", r.payload());
  }
}
