package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The comparison of one request with its route's baseline, as pure arithmetic on its inputs. */
class ComparisonTest {

  private static JsonObject request(double durationMs, JsonArray functions, JsonArray sql) {
    JsonObject record = new JsonObject().put("id", 7L).put("project", "shop").put("route", "/r")
        .put("duration_ms", durationMs);
    return new JsonObject().put("record", record).put("functions", functions).put("sql", sql);
  }

  private static JsonObject function(String name, long calls, long wallUs) {
    return new JsonObject().put("name", name).put("calls", calls).put("wall_us", wallUs);
  }

  private static JsonObject statement(String fingerprint, double timeMs) {
    return new JsonObject().put("fingerprint", fingerprint).put("normalized", "SELECT " + fingerprint)
        .put("time_ms", timeMs);
  }

  @Test
  @DisplayName("Percentile rank is the share of the other requests that were faster; diffs against the mean")
  void againstBaseline() {
    JsonObject detail = request(250.0,
        new JsonArray().add(function("main()", 1, 250_000)).add(function("slow()", 3, 200_000)),
        new JsonArray().add(statement("a", 40.0)).add(statement("a", 60.0)).add(statement("b", 1.0)));
    JsonObject baseline = new JsonObject().put("count", 40L).put("faster", 30L).put("p50", 100.0)
        .put("p95", 240.0).put("p99", 300.0).put("sample_size", 4)
        .put("functions", new JsonArray().add(new JsonObject().put("name", "main()").put("requests", 4L)
            .put("calls", 4L).put("wall_us", 400_000L)))
        .put("sql", new JsonArray().add(new JsonObject().put("fingerprint", "a").put("normalized", "SELECT a")
            .put("requests", 4L).put("executions", 4L).put("time_ms", 40.0)));

    JsonObject result = Comparison.of(detail, baseline, 86_400_000L);

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
    JsonObject detail = request(10.0, new JsonArray().add(function("main()", 1, 10_000)), new JsonArray());
    JsonObject baseline = new JsonObject().put("count", 0L).put("faster", 0L).put("sample_size", 0)
        .put("functions", new JsonArray()).put("sql", new JsonArray());
    JsonObject result = Comparison.of(detail, baseline, 3_600_000L);
    assertNull(result.getValue("percentile_rank"));
    JsonObject main = result.getJsonArray("functions").getJsonObject(0);
    assertEquals(10_000L, main.getLong("wall_us"));
    assertNull(main.getValue("typical_wall_us"));
    assertNull(main.getValue("diff_wall_us"));
    assertEquals(3_600_000L, result.getLong("window_ms"));
  }
}
