package com.bitville.apm.listener.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.RecordRollup.StoredRecord;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.php.PhpProfile;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RollupLogicTest {

  private static final long T = 1_795_457_875_000L;

  @Test
  void selfTimeIsInclusiveTimeMinusTheEdgesOut() {
    List<SelfTime.Function> functions = SelfTime.of(List.of(
        new FunctionCall("Kernel::handle", 1, 1_000_000),
        new FunctionCall("Kernel::handle==>Controller::run", 1, 990_000),
        new FunctionCall("Controller::run==>Db::query", 10, 300_000),
        new FunctionCall("Controller::run==>Price::apply", 2, 600_000),
        new FunctionCall("Price::apply==>Rule::match", 80, 100_000)));
    Map<String, SelfTime.Function> byName = functions.stream()
        .collect(Collectors.toMap(SelfTime.Function::name, f -> f));
    assertEquals(10_000, byName.get("Kernel::handle").selfUs());
    assertEquals(90_000, byName.get("Controller::run").selfUs());
    assertEquals(500_000, byName.get("Price::apply").selfUs());
    assertEquals(600_000, byName.get("Price::apply").wallUs());
    assertEquals(2, byName.get("Price::apply").calls());
    assertEquals(300_000, byName.get("Db::query").selfUs(), "a leaf's self time is its inclusive time");
  }

  @Test
  void selfTimeOfARealPayloadKeepsTheWrapperSmall() {
    JsonObject payload = Fixtures.phpJson("wire/slow_get.json");
    Map<String, SelfTime.Function> byName = SelfTime.of(PhpProfile.of(payload).functions()).stream()
        .collect(Collectors.toMap(SelfTime.Function::name, f -> f));
    SelfTime.Function kernel = byName.get("App\\Http\\Kernel::handle");
    assertTrue(kernel.wallUs() > 700_000 && kernel.selfUs() < 10_000, "Kernel::handle self " + kernel.selfUs());
    long maxSelf = byName.values().stream().mapToLong(SelfTime.Function::selfUs).max().orElseThrow();
    assertEquals(maxSelf, byName.get("usleep").selfUs(), "the leaf that really waited has the most self time");
  }

  @Test
  void phpAndPgRecordsBecomeMinuteRowsThatSurviveTheBus() {
    RollupBatch batch = new RollupBatch();
    StoredRecord php = new StoredRecord(7, "shop", "php", "php", T, T + 5, 707.4, "/orders", "vm", null, false);
    RecordRollup.add(batch, php, Fixtures.phpJson("wire/slow_get.json"));
    RecordRollup.add(batch, new StoredRecord(8, "shop", "php", "php", T + 1_000, T + 6, 900.0, "/orders", "vm",
        100.0, true), Fixtures.phpJson("wire/slow_get.json"));
    for (String source : List.of("pg_stat_activity", "pg_locks", "pg_log", "pg_stat_statements", "system_metrics")) {
      RecordRollup.add(batch, new StoredRecord(9, "shop", "postgres", source, T, T + 7, null, null, null, null, false),
          new JsonObject(Fixtures.pg(source + ".json")));
    }
    RollupBatch copy = RollupBatch.fromJson(new JsonObject(batch.toJson().encode()));
    Map<RollupTable, List<RollupBatch.Row>> rows = copy.rows().stream()
        .collect(Collectors.groupingBy(RollupBatch.Row::table));
    long minute = RecordRollup.minuteOf(T);
    double[] route = rows.get(RollupTable.PHP).get(0).values();
    assertEquals(List.of("shop", minute, "/orders", "vm"), rows.get(RollupTable.PHP).get(0).key());
    assertEquals(2, route[0]);
    assertEquals(1_607_400, route[1], 1);
    assertEquals(1, route[3], "one fatal");
    assertEquals(900_000, route[4], 1, "max");
    RollupBatch.Row usleep = rows.get(RollupTable.FUNCTION).stream().filter(r -> r.key().get(2).equals("usleep"))
        .findFirst().orElseThrow();
    assertEquals(2, usleep.values()[3], "requests that ran it");
    assertTrue(rows.get(RollupTable.SQL).stream().allMatch(r -> r.values()[2] == 2), "both requests ran each");
    assertEquals(rows.get(RollupTable.SQL).size(), copy.sqlTexts().size());
    RollupBatch.Row overview = rows.get(RollupTable.OVERVIEW).get(0);
    assertEquals(1, rows.get(RollupTable.OVERVIEW).size(), "one row per project and minute");
    double[] db = java.util.Arrays.copyOfRange(overview.values(), 4, 13);
    assertEquals(List.of(1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 187_200.0, 93_500.0, 0.0),
        java.util.Arrays.stream(db).boxed().toList(), "1 sample: 2 active (2 waiting, 1 on a lock), 1 idle in tx");
    assertEquals(2, overview.values()[0], "both requests");
    assertEquals(route[1], overview.values()[1], 1, "their total time");
    assertEquals(2, overview.histogram().values().stream().mapToLong(Long::longValue).sum(), "both in the histogram");
    RollupBatch.Row lock = rows.get(RollupTable.LOCK).get(0);
    assertEquals("SELECT * FROM orders WHERE id = 981245 FOR UPDATE", lock.key().get(2));
    assertEquals(RecordRollup.DEFAULT_LOCK_INTERVAL_MS * 1000, lock.values()[1], 0.01);
    Map<Object, Double> logs = rows.get(RollupTable.LOG).stream()
        .collect(Collectors.toMap(r -> r.key().get(2), r -> r.values()[0]));
    assertEquals(Map.of("lock_wait", 1.0, "slow_statement", 1.0, "deadlock", 1.0), logs);
    assertEquals(2, rows.get(RollupTable.DB_STATEMENT).size());
    assertEquals(2, copy.statementTexts().size());
    assertEquals(9, copy.lastId());
    assertEquals(PhpProfile.of(Fixtures.phpJson("wire/slow_get.json")).functions().size(),
        rows.get(RollupTable.EDGE).size(), "every edge of the request, for the flame graph");
    assertTrue(rows.get(RollupTable.EDGE).stream().allMatch(r -> r.values()[2] == 2));
  }

  @Test
  void histogramBucketsMatchTheirUpperBounds() {
    for (double ms : new double[] {0.5, 1.5, 499, 500, 501, 7_000, 360_000}) {
      int bucket = RecordRollup.bucketOf(ms);
      assertTrue(ms < RecordRollup.upperMs(bucket) || ms <= 1, ms + " below the upper bound of " + bucket);
      assertTrue(bucket == 0 || ms >= RecordRollup.upperMs(bucket - 1), ms + " above the bound below");
    }
  }
}
