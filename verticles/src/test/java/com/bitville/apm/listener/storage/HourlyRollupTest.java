package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.analysis.RollupReads;
import com.bitville.apm.listener.analysis.RollupTable;
import com.bitville.apm.listener.analysis.WindowAnalysis;
import com.bitville.apm.listener.storage.api.RollupStore;
import com.bitville.apm.listener.testsupport.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hourly level of the rollups against a real SQLite file: written in the same transaction as the minutes, and
 * reads that take whole hours from it and the ragged edges from the minutes answer exactly what the minutes alone
 * answer.
 */
class HourlyRollupTest extends TempStoreTest {

  @BeforeEach
  void open() throws Exception {
    fill();
  }

  /** Six hours of varied minutes, written page by page through the rollup write (two pages per minute). */
  private void fill() throws Exception {
    Random random = new Random(42);
    long after = 0;
    for (int m = 0; m < 360; m++) {
      long minute = NINE + m * MINUTE;
      for (int half = 0; half < 2; half++) {
        RollupBatch batch = new RollupBatch();
        for (int r = 0; r < 4; r++) {
          if (random.nextInt(5) == 0) {
            continue;
          }
          String route = "/r" + r;
          long count = 1 + random.nextInt(20);
          long total = count * (500_000 + random.nextInt(3_000_000) + (m > 200 && r == 2 ? 4_000_000 : 0));
          batch.add(RollupTable.PHP, "shop", minute, new Object[] {route, "web-" + random.nextInt(3)}, count, total,
              total / 4, random.nextInt(2), total / count + random.nextInt(900_000));
          batch.add(RollupTable.OVERVIEW, "shop", minute, new Object[0], count, total, total / 4, 0, 0, 0, 0, 0, 0, 0,
              0, 0, 0, total / count);
          for (int b = 0; b < 3; b++) {
            long bucket = 60 + random.nextInt(40);
            batch.add(RollupTable.PHP_HISTOGRAM, "shop", minute, new Object[] {route, bucket}, 1 + random.nextInt(9));
            batch.addToHistogram(RollupTable.OVERVIEW, "shop", minute, new Object[0], bucket, 1 + random.nextInt(9));
          }
        }
        for (int f = 0; f < 6; f++) {
          batch.add(RollupTable.FUNCTION, "shop", minute, new Object[] {"F::f" + random.nextInt(12)},
              1 + random.nextInt(50), random.nextInt(2_000_000), 2_000_000 + random.nextInt(5_000_000),
              1 + random.nextInt(10));
          batch.add(RollupTable.SQL, "shop", minute, new Object[] {"fp" + random.nextInt(10)}, 1 + random.nextInt(30),
              random.nextInt(3_000_000), 1 + random.nextInt(8), random.nextInt(900_000));
          batch.add(RollupTable.DB_STATEMENT, "shop", minute, new Object[] {"q" + random.nextInt(10)},
              1 + random.nextInt(30), random.nextInt(3_000_000), random.nextInt(100));
          batch.add(RollupTable.EDGE, "shop", minute, new Object[] {"main()==>F::f" + random.nextInt(12)},
              1 + random.nextInt(9), random.nextInt(2_000_000), 1 + random.nextInt(4));
        }
        batch.add(RollupTable.OVERVIEW, "shop", minute, new Object[0], 0, 0, 0, 0, 12, random.nextInt(40),
            random.nextInt(5), random.nextInt(20), random.nextInt(10), 12, random.nextInt(90_000),
            random.nextInt(900_000), random.nextInt(30_000), 0);
        batch.add(RollupTable.LOCK, "shop", minute, new Object[] {"UPDATE s" + random.nextInt(3), "c" + random
            .nextInt(4)}, 1 + random.nextInt(5), random.nextInt(20_000_000), 1 + random.nextInt(6));
        batch.add(RollupTable.LOG, "shop", minute, new Object[] {random.nextBoolean() ? "error" : "slow"},
            1 + random.nextInt(4));
        batch.through(after + 1, minute);
        assertTrue(Await.result(rollups.write(new RollupStore.RollupWrite(after, batch.toJson())))
            .getBoolean("applied"));
        after++;
      }
    }
  }

  private JsonObject window(long from, long to, boolean hours) throws Exception {
    return Await.result(RollupOps.window(database, new JsonObject().put("project", "shop").put("from_ms", from)
        .put("to_ms", to).put("hours", hours)));
  }

  private JsonObject overview(long from, long to, long step, boolean hours) throws Exception {
    return Await.result(RollupOps.overview(database, new JsonObject().put("project", "shop").put("from_ms", from)
        .put("to_ms", to).put("step_ms", step).put("hours", hours)));
  }

  /** Rows of every list in a stable order: SQL returns groups in no promised order. */
  private static JsonObject sorted(JsonObject reply) {
    JsonObject copy = new JsonObject();
    reply.forEach(entry -> {
      if (entry.getValue() instanceof JsonArray array) {
        List<String> rows = new ArrayList<>();
        array.forEach(row -> rows.add(String.valueOf(row)));
        rows.sort(null);
        copy.put(entry.getKey(), new JsonArray(new ArrayList<>(rows)));
      } else {
        copy.put(entry.getKey(), entry.getValue());
      }
    });
    return copy;
  }

  private long rows(String table) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE));
        ResultSet row = connection.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
      row.next();
      return row.getLong(1);
    }
  }

  @Test
  void hourRowsAreTheSumsOfTheirMinutes() throws Exception {
    for (RollupTable table : RollupTable.values()) {
      if (table == RollupTable.DB_WAIT) {
        continue;
      }
      List<String> sums = table.sums().stream().map(c -> "sum(" + c + ")").toList();
      String minutes = "SELECT " + String.join(", ", sums) + " FROM " + table.table();
      String hours = "SELECT " + String.join(", ", sums) + " FROM " + table.table() + "_hour";
      try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE));
          ResultSet m = connection.createStatement().executeQuery(minutes);
          ResultSet h = connection.createStatement().executeQuery(hours)) {
        m.next();
        h.next();
        for (int i = 1; i <= sums.size(); i++) {
          assertEquals(m.getLong(i), h.getLong(i), table + " " + table.sums().get(i - 1));
        }
      }
      assertTrue(rows(table.table() + "_hour") < rows(table.table()), table + ": fewer hour rows than minutes");
    }
  }

  @Test
  void aWindowWithRaggedEdgesAnswersExactlyWhatTheMinutesAnswer() throws Exception {
    long from = NINE + HOUR + 17 * MINUTE;
    long to = NINE + 4 * HOUR + 42 * MINUTE;
    JsonObject mixed = window(from, to, true);
    JsonObject minutes = window(from, to, false);
    assertEquals(sorted(minutes), sorted(mixed));
    long baselineFrom = NINE + 17 * MINUTE;
    JsonObject baseline = window(baselineFrom, from, false);
    JsonObject rankedByMinutes = WindowAnalysis.compare(RollupReads.window(minutes), RollupReads.window(baseline),
        500);
    JsonObject rankedMixed = WindowAnalysis.compare(RollupReads.window(mixed),
        RollupReads.window(window(baselineFrom, from, true)), 500);
    assertEquals(rankedByMinutes, rankedMixed);
    assertFalse(rankedMixed.getJsonArray("routes").isEmpty());
    assertFalse(rankedMixed.getJsonArray("functions").isEmpty());

    // the whole hours really come from the hourly level: without their minutes the answer is unchanged
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE))) {
      for (RollupTable table : RollupTable.values()) {
        connection.createStatement().execute("DELETE FROM " + table.table() + " WHERE minute_ms >= "
            + (NINE + 2 * HOUR) + " AND minute_ms < " + (NINE + 4 * HOUR));
      }
    }
    assertEquals(sorted(minutes), sorted(window(from, to, true)));
    assertNotEquals(sorted(minutes), sorted(window(from, to, false)));
  }

  @Test
  void overviewPointsAreTheSameFromHoursAndMinutes() throws Exception {
    long[][] cases = {
        {NINE + HOUR + 17 * MINUTE, NINE + 4 * HOUR + 42 * MINUTE, MINUTE},
        {NINE + HOUR + 17 * MINUTE, NINE + 4 * HOUR + 42 * MINUTE, 205 * MINUTE},
        {NINE + HOUR + 17 * MINUTE, NINE + 4 * HOUR + 42 * MINUTE, 43 * MINUTE},
        {NINE + HOUR, NINE + 4 * HOUR + 42 * MINUTE, HOUR},
        {NINE - 2 * HOUR, NINE + 6 * HOUR, 2 * HOUR},
        {NINE + HOUR + 17 * MINUTE, NINE + 5 * HOUR, 60 * MINUTE}};
    for (long[] c : cases) {
      JsonObject mixed = overview(c[0], c[1], c[2], true);
      JsonObject minutes = overview(c[0], c[1], c[2], false);
      assertEquals(sorted(minutes), sorted(mixed), "from " + c[0] + " to " + c[1] + " step " + c[2]);
      assertEquals(RollupReads.overview(minutes, c[0], c[1], c[2]).stream().map(p -> p.toJson().encode()).toList(),
          RollupReads.overview(mixed, c[0], c[1], c[2]).stream().map(p -> p.toJson().encode()).toList());
    }
  }

  @Test
  void hoursExpireOnceAllTheirMinutesHave() throws Exception {
    Await.result(rollups.expire(NINE + HOUR + 30 * MINUTE));
    assertEquals(0, rows("rollup_overview WHERE minute_ms < " + (NINE + HOUR + 30 * MINUTE)));
    assertEquals(0, rows("rollup_overview_hour WHERE hour_ms < " + (NINE + HOUR)));
    assertEquals(1, rows("rollup_overview_hour WHERE hour_ms = " + (NINE + HOUR)), "a partly expired hour stays");
  }

  @Test
  void aPartlyExpiredHourHoldsOnlyItsRemainingMinutes() throws Exception {
    long cut = NINE + HOUR + 30 * MINUTE;
    JsonObject before = sorted(window(NINE + HOUR, NINE + 3 * HOUR, true));
    Await.result(rollups.expire(cut));
    for (RollupTable table : RollupTable.values()) {
      if (table != RollupTable.DB_WAIT) {
        assertTrue(rows(table.table() + "_hour WHERE hour_ms = " + (NINE + HOUR)) > 0, table + ": the hour stays");
      }
    }
    JsonObject fromHours = sorted(window(NINE + HOUR, NINE + 3 * HOUR, true));
    assertEquals(sorted(window(NINE + HOUR, NINE + 3 * HOUR, false)), fromHours,
        "whole hours answer what the minutes left answer");
    assertNotEquals(before, fromHours, "the expired half hour is gone from the hour row too");
    assertEquals(sorted(overview(NINE, NINE + 4 * HOUR, HOUR, false)), sorted(overview(NINE, NINE + 4 * HOUR, HOUR,
        true)));
    hourRowsAreTheSumsOfTheirMinutes();
  }
}
