package com.bitville.apm.listener.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.WindowTotals.DbRow;
import com.bitville.apm.listener.analysis.WindowTotals.FunctionRow;
import com.bitville.apm.listener.analysis.WindowTotals.HostRow;
import com.bitville.apm.listener.analysis.WindowTotals.LockRow;
import com.bitville.apm.listener.analysis.WindowTotals.LogRow;
import com.bitville.apm.listener.analysis.WindowTotals.RouteRow;
import com.bitville.apm.listener.analysis.WindowTotals.SqlRow;
import com.bitville.apm.listener.analysis.WindowTotals.StatementRow;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowAnalysisTest {

  private static final long MIN = 60_000;

  private static WindowTotals totals(long from, long to, List<RouteRow> routes, List<FunctionRow> functions,
      List<SqlRow> sql, List<LockRow> locks) {
    return new WindowTotals(from, to, routes, List.of(new HostRow("web-1", 10, 5_000), new HostRow("web-2", 10, 5_000)),
        functions, sql, List.of(new StatementRow("42", "SELECT 1", 100, 50)), locks,
        List.of(new LogRow("slow_statement", 3)), DbRow.EMPTY);
  }

  private static int indexOf(List<String> sentences, String part) {
    for (int i = 0; i < sentences.size(); i++) {
      if (sentences.get(i).contains(part)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void rankingIsByAddedTimeWithTheBaselineScaledToTheWindow() {
    // baseline 20 minutes, window 5: the baseline's totals count a quarter
    WindowTotals baseline = totals(0, 20 * MIN,
        List.of(new RouteRow("/a", 80, 80_000, 2_000, RecordRollup.upperMs(70)), new RouteRow("/b", 40, 40_000, 2_000,
            RecordRollup.upperMs(70))),
        List.of(new FunctionRow("Kernel::handle", 120, 400, 120_000, 120), new FunctionRow("Price::apply", 80, 8_000,
            9_000, 80)),
        List.of(new SqlRow("f1", "SELECT a FROM t WHERE id = ?", 400, 4_000, 80)), List.of());
    WindowTotals window = totals(20 * MIN, 25 * MIN,
        List.of(new RouteRow("/a", 20, 20_000, 2_000, RecordRollup.upperMs(70)), new RouteRow("/b", 12, 60_000, 9_000,
            RecordRollup.upperMs(90))),
        List.of(new FunctionRow("Kernel::handle", 32, 120, 80_000, 32), new FunctionRow("Price::apply", 20, 2_000,
            2_200, 20), new FunctionRow("Slow::thing", 12, 45_000, 45_000, 12)),
        List.of(new SqlRow("f1", "SELECT a FROM t WHERE id = ?", 100, 1_000, 20)),
        List.of(new LockRow("UPDATE t SET x = 1", "abc", 10, 12_000, 4)));
    JsonObject analysis = WindowAnalysis.compare(window, baseline, 500);
    JsonArray routes = analysis.getJsonArray("routes");
    assertEquals("/b", routes.getJsonObject(0).getString("route"));
    assertEquals(50_000, routes.getJsonObject(0).getDouble("added_ms"), 0.01);
    assertEquals(0, routes.getJsonObject(1).getDouble("added_ms"), 0.01, "/a: 20 s now, 80 s / 4 before");
    assertEquals("Slow::thing", analysis.getJsonArray("functions").getJsonObject(0).getString("name"),
        "self time, not the wrapper's inclusive time");
    assertEquals(0.25, analysis.getJsonObject("baseline").getDouble("scale"));
    assertEquals("abc", analysis.getJsonArray("locks").getJsonObject(0).getString("blocking_correlation_id"));
    String text = analysis.getJsonArray("summary").stream().map(s -> ((JsonObject) s).getString("text"))
        .reduce("", (a, b) -> a + "\n" + b);
    assertTrue(text.contains("/b added 50 s in this window, 10 s per minute"), text);
    assertTrue(text.contains("Slow::thing") && text.contains("request abc"), text);
    List<String> sentences = List.of(text.strip().split("\n"));
    int lockAt = indexOf(sentences, "lock held by request abc");
    int functionAt = indexOf(sentences, "Slow::thing");
    assertTrue(lockAt >= 0 && lockAt < functionAt, "the lock that held sessions up comes before the time it caused: "
        + text);
    JsonObject functionClaim = analysis.getJsonArray("summary").stream().map(s -> (JsonObject) s)
        .filter(s -> s.getString("text").contains("Slow::thing")).findFirst().orElseThrow();
    assertEquals(new JsonObject().put("type", "function").put("name", "Slow::thing"),
        functionClaim.getJsonArray("evidence").getJsonObject(0));
  }

  @Test
  void aBaselineOverlappingTheWindowIsRefused() {
    WindowTotals window = totals(10 * MIN, 20 * MIN, List.of(), List.of(), List.of(), List.of());
    WindowTotals overlapping = totals(15 * MIN, 25 * MIN, List.of(), List.of(), List.of(), List.of());
    assertThrows(IllegalArgumentException.class, () -> WindowAnalysis.compare(window, overlapping, 500));
  }

  @Test
  void aDatabaseStatementCarriesTheFingerprintThePhpSideGivesTheSameStatement() {
    String php = "SELECT \"customers\".\"id\" FROM \"customers\" WHERE \"customers\".\"email\" = 'a@example.com'";
    String pg = "SELECT \"customers\".\"id\" FROM \"customers\" WHERE \"customers\".\"email\" = $1";
    WindowTotals base = totals(0, 10 * MIN, List.of(), List.of(), List.of(), List.of());
    WindowTotals window = new WindowTotals(10 * MIN, 20 * MIN, List.of(), List.of(), List.of(), List.of(),
        List.of(new StatementRow("7", pg, 10, 9_000), new StatementRow("8", null, 1, 1)), List.of(), List.of(), DbRow.EMPTY);
    JsonArray statements = WindowAnalysis.compare(window, base, 500).getJsonArray("db_statements");
    assertEquals(com.bitville.apm.shared.normalize.SqlNormalizer.cached(php).fingerprint(),
        statements.getJsonObject(0).getString("fingerprint"));
    JsonObject withoutText = statements.stream().map(o -> (JsonObject) o).filter(o -> "8".equals(o.getString("queryid")))
        .findFirst().orElseThrow();
    assertTrue(withoutText.containsKey("fingerprint") && withoutText.getValue("fingerprint") == null,
        "no text, no fingerprint: " + withoutText.encode());
  }

  @Test
  void p95ComesFromTheHistogram() {
    assertEquals(RecordRollup.upperMs(80), WindowAnalysis.percentile(Map.of(10L, 90L, 80L, 10L), 0.95), 0.001);
    assertEquals(0, WindowAnalysis.percentile(Map.of(), 0.95));
  }
}
