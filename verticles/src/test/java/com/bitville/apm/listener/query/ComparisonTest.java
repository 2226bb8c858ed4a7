package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.SqlCall;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The comparison of one request with its route's baseline, as pure arithmetic on its inputs. */
class ComparisonTest {

  private static Comparison.Subject request(double durationMs, List<FunctionCall> functions, List<SqlCall> sql) {
    return new Comparison.Subject(7L, "shop", "/r", durationMs, functions, sql, true, true);
  }

  private static FunctionCall function(String name, long calls, long wallUs) {
    return new FunctionCall(name, calls, wallUs);
  }

  private static int seq;

  private static SqlCall statement(String fingerprint, double timeMs) {
    return new SqlCall(seq++, fingerprint, "SELECT " + fingerprint, timeMs);
  }

  @Test
  @DisplayName("Percentile rank is the share of the other requests that were faster; diffs against the mean")
  void againstBaseline() {
    Comparison.Subject detail = request(250.0,
        List.of(function("main()", 1, 250_000), function("slow()", 3, 200_000)),
        List.of(statement("a", 40.0), statement("a", 60.0), statement("b", 1.0)));
    Comparison.RouteBaseline baseline = new Comparison.RouteBaseline(40L, 30L, 100.0, 240.0, 300.0);
    TypicalRequest typical = new TypicalRequest(4, 4, 4,
        List.of(new TypicalRequest.FunctionSum("main()", 4L, 4L, 400_000L)),
        List.of(new TypicalRequest.StatementSum("a", "SELECT a", 4L, 4L, 40.0)));

    JsonObject result = Comparison.of(detail, baseline, typical, 86_400_000L);

    assertEquals(75.0, result.getDouble("percentile_rank"));
    JsonObject summary = result.getJsonObject("baseline");
    assertEquals(40L, summary.getLong("requests"));
    assertEquals(100.0, summary.getDouble("p50_ms"));
    assertEquals(240.0, summary.getDouble("p95_ms"));
    JsonArray functions = result.getJsonArray("functions");
    assertEquals("slow()", functions.getJsonObject(0).getString("name"), "largest difference first");
    assertEquals(200_000L, functions.getJsonObject(0).getLong("diff_wall_us"));
    assertEquals(0.0, functions.getJsonObject(0).getDouble("typical_calls"));
    assertEquals("main()", functions.getJsonObject(1).getString("name"));
    assertEquals(150_000L, functions.getJsonObject(1).getLong("diff_wall_us"));
    assertEquals(1.0, functions.getJsonObject(1).getDouble("typical_calls"));
    JsonObject sqlA = result.getJsonArray("sql").getJsonObject(0);
    assertEquals("a", sqlA.getString("fingerprint"));
    assertEquals(2L, sqlA.getLong("count"));
    assertEquals(100.0, sqlA.getDouble("time_ms"));
    assertEquals(10.0, sqlA.getDouble("typical_time_ms"));
    assertEquals(90.0, sqlA.getDouble("diff_time_ms"));
  }

  @Test
  @DisplayName("Without other requests in the window there is no rank, and the typical request is unknown, not zero")
  void emptyBaseline() {
    Comparison.Subject detail = request(10.0, List.of(function("main()", 1, 10_000)), List.of());
    Comparison.RouteBaseline baseline = new Comparison.RouteBaseline(0L, 0L, null, null, null);
    TypicalRequest typical = new TypicalRequest(0, 0, 0, List.of(), List.of());
    JsonObject result = Comparison.of(detail, baseline, typical, 3_600_000L);
    assertNull(result.getValue("percentile_rank"));
    JsonObject main = result.getJsonArray("functions").getJsonObject(0);
    assertEquals(10_000L, main.getLong("wall_us"));
    assertNull(main.getValue("typical_wall_us"));
    assertNull(main.getValue("diff_wall_us"));
    assertEquals(3_600_000L, result.getLong("window_ms"));
  }
}
