package com.bitville.apm.pgagent.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StatementDeltasTest {

  private static StatementDeltas.Entry entry(String key, double calls, double time) {
    Map<String, Double> values = new HashMap<>();
    StatementColumns.COUNTERS.forEach(c -> values.put(c, 0.0));
    values.put("calls", calls);
    values.put("total_exec_time", time);
    return new StatementDeltas.Entry(key, values);
  }

  @Test
  @DisplayName("Deltas: unchanged entries are silent, new entries count whole, evictions are counted")
  void deltas() {
    StatementDeltas deltas = new StatementDeltas();
    assertTrue(deltas.next(List.of(entry("a", 10, 100), entry("b", 5, 5)), false).baselineOnly());
    StatementDeltas.Result r = deltas.next(List.of(entry("a", 14, 140), entry("c", 2, 8)), false);
    assertEquals(2, r.changed().size());
    Map<String, Double> a = r.changed().stream().filter(e -> e.key().equals("a")).findFirst().orElseThrow().values();
    assertEquals(4.0, a.get("calls"));
    assertEquals(40.0, a.get("total_exec_time"));
    assertEquals(1, r.evicted(), "b disappeared");
    StatementDeltas.Result quiet = deltas.next(List.of(entry("a", 14, 140), entry("c", 2, 8)), false);
    assertTrue(quiet.changed().isEmpty());
  }

  @Test
  @DisplayName("A counter that went down (entry reset or re-created) and a global reset never give negative deltas")
  void resets() {
    StatementDeltas deltas = new StatementDeltas();
    deltas.next(List.of(entry("a", 100, 1000)), false);
    StatementDeltas.Result reset = deltas.next(List.of(entry("a", 3, 30)), false);
    assertEquals(3.0, reset.changed().get(0).values().get("calls"));
    StatementDeltas.Result global = deltas.next(List.of(entry("a", 7, 70)), true);
    assertEquals(7.0, global.changed().get(0).values().get("calls"), "after a global reset: since the reset");
  }

  @Test
  @DisplayName("Column names of pg_stat_statements 1.7 (PG 12), 1.10 (PG 15) and 1.11 (PG 17) map to one set")
  void columnsAcrossVersions() {
    String pg12 = StatementColumns.of(Set.of("queryid", "calls", "total_time", "min_time", "rows",
        "blk_read_time", "blk_write_time")).countersSql("public");
    assertTrue(pg12.contains("coalesce(s.total_time, 0)::float8 AS total_exec_time"), pg12);
    assertTrue(pg12.contains("coalesce(s.min_time, 0)::float8 AS min_exec_time"));
    assertTrue(pg12.contains("true AS toplevel"));
    assertTrue(pg12.contains("0::float8 AS total_plan_time"));
    StatementColumns pg15 = StatementColumns.of(Set.of("queryid", "toplevel", "calls", "total_exec_time",
        "blk_read_time"));
    assertTrue(pg15.hasToplevel());
    assertTrue(pg15.countersSql("public").contains("coalesce(s.blk_read_time, 0)::float8 AS blk_read_time"));
    String pg17 = StatementColumns.of(Set.of("queryid", "toplevel", "calls", "total_exec_time",
        "shared_blk_read_time", "local_blk_read_time", "shared_blk_write_time", "local_blk_write_time"))
        .countersSql("public");
    assertTrue(pg17.contains("(coalesce(s.shared_blk_read_time, 0) + coalesce(s.local_blk_read_time, 0))::float8"
        + " AS blk_read_time"), pg17);
    assertFalse(pg17.contains("s.blk_read_time"));
    assertTrue(pg17.contains("pg_stat_statements(false)"), "counters never read the query-text file");
  }
}
