package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.RecordRollup;
import com.bitville.apm.listener.analysis.RecordRollup.StoredRecord;
import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.analysis.RollupReads;
import com.bitville.apm.listener.storage.api.RollupStore;
import com.bitville.apm.listener.testsupport.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The overview's level (one row per project and minute, and per hour) against a real SQLite file: records rolled
 * up through the real rollup code give exactly the overview that the per-route-and-host rows and the database
 * samples give, at every step, from minutes and from hours.
 */
class OverviewLevelTest extends TempStoreTest {

  private static final int MINUTES = 200;

  /** Per minute: samples, active, idle_in_tx, waiting, blocked, host_samples, load, cpu, iowait (thousandths). */
  private final Map<Long, long[]> dbByMinute = new TreeMap<>();

  /**
   * About 200 minutes of PHP requests on 5 routes and 3 hosts (whole-millisecond durations from 1 ms to 40 s) and
   * pg-agent samples, in pages of 37 records that cut across minutes and hours, as the rollup verticle writes them.
   */
  private void rollUpGeneratedRecords() throws Exception {
    Random random = new Random(7);
    List<Object[]> records = new ArrayList<>();
    long id = 0;
    for (int m = 0; m < MINUTES; m++) {
      long minute = NINE + 23 * MINUTE + m * MINUTE;
      int requests = m % 17 == 5 ? 0 : 1 + random.nextInt(m > 120 && m < 140 ? 60 : 12);
      for (int r = 0; r < requests; r++) {
        double duration = 1 + random.nextInt(random.nextInt(10) == 0 ? 40_000 : 3_000);
        double sql = random.nextInt((int) duration);
        records.add(new Object[] {new StoredRecord(++id, "shop", "php", "php", minute + random.nextInt(60_000),
            minute, duration, "/r" + random.nextInt(5), "web-" + random.nextInt(3), sql, random.nextInt(30) == 0),
            null});
      }
      if (m % 13 != 3) {
        JsonArray sessions = new JsonArray();
        long[] db = dbByMinute.computeIfAbsent(minute, k -> new long[9]);
        for (int s = 0; s < 1 + random.nextInt(2); s++) {
          int active = random.nextInt(6);
          int waiting = random.nextInt(active + 1);
          int blocked = random.nextInt(waiting + 1);
          int idle = random.nextInt(3);
          for (int a = 0; a < active; a++) {
            sessions.add(new JsonObject().put("state", "active").put("wait_event_type", a < blocked ? "Lock"
                : a < waiting ? "IO" : null).put("wait_event", a < waiting ? "x" : null));
          }
          for (int i = 0; i < idle; i++) {
            sessions.add(new JsonObject().put("state", "idle in transaction"));
          }
          records.add(new Object[] {new StoredRecord(++id, "shop", "postgres", "pg_stat_activity",
              minute + random.nextInt(60_000), minute, null, null, null, null, false),
              new JsonObject().put("data", new JsonObject().put("sessions", sessions))});
          sessions = new JsonArray();
          db[0]++;
          db[1] += active;
          db[2] += idle;
          db[3] += waiting;
          db[4] += blocked;
        }
        int load = random.nextInt(20_000);
        int cpu = random.nextInt(100_000);
        int iowait = random.nextInt(30_000);
        records.add(new Object[] {new StoredRecord(++id, "shop", "postgres", "system_metrics",
            minute + random.nextInt(60_000), minute, null, null, null, null, false),
            new JsonObject().put("data", new JsonObject().put("cpu", new JsonObject().put("load_avg_1m", load / 1000.0)
                .put("percent", cpu / 1000.0).put("iowait_percent", iowait / 1000.0)))});
        db[5]++;
        db[6] += load;
        db[7] += cpu;
        db[8] += iowait;
      }
    }
    long after = 0;
    for (int start = 0; start < records.size(); start += 37) {
      RollupBatch batch = new RollupBatch();
      for (Object[] record : records.subList(start, Math.min(records.size(), start + 37))) {
        RecordRollup.add(batch, (StoredRecord) record[0], (JsonObject) record[1]);
      }
      assertTrue(Await.result(rollups.write(new RollupStore.RollupWrite(after, batch.toJson())))
          .getBoolean("applied"));
      after = batch.lastId();
    }
  }

  private JsonObject overview(long from, long to, long step, boolean hours) throws Exception {
    return Await.result(RollupOps.overview(database, new JsonObject().put("project", "shop").put("from_ms", from)
        .put("to_ms", to).put("step_ms", step).put("hours", hours)));
  }

  /**
   * The same reply computed the way the overview was computed before its own level: PHP sums and histograms from
   * the per-route-and-host rows, database sessions and host metrics from what was sent.
   */
  private JsonObject byRoutesAndHosts(long from, long to, long step) throws Exception {
    JsonArray php = new JsonArray();
    JsonArray percentiles = new JsonArray();
    Map<Long, Map<Long, Long>> histograms = new TreeMap<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE));
        Statement sql = connection.createStatement()) {
      String range = " WHERE project = 'shop' AND minute_ms >= " + from + " AND minute_ms < " + to;
      try (ResultSet rows = sql.executeQuery("SELECT (minute_ms - " + from + ") / " + step + " AS i, sum(count), "
          + "sum(total_us), sum(sql_us), sum(fatal) FROM rollup_php" + range + " GROUP BY i")) {
        while (rows.next()) {
          php.add(new JsonObject().put("i", rows.getLong(1)).put("requests", rows.getLong(2))
              .put("total_us", rows.getLong(3)).put("sql_us", rows.getLong(4)).put("fatal", rows.getLong(5)));
        }
      }
      try (ResultSet rows = sql.executeQuery("SELECT (minute_ms - " + from + ") / " + step + " AS i, bucket, "
          + "sum(count) FROM rollup_php_hist" + range + " GROUP BY i, bucket")) {
        while (rows.next()) {
          histograms.computeIfAbsent(rows.getLong(1), i -> new HashMap<>()).merge(rows.getLong(2), rows.getLong(3),
              Long::sum);
        }
      }
    }
    histograms.forEach((i, histogram) -> percentiles.add(new JsonObject().put("i", i)
        .put("p50_ms", com.bitville.apm.listener.analysis.WindowAnalysis.percentile(histogram, 0.5))
        .put("p95_ms", com.bitville.apm.listener.analysis.WindowAnalysis.percentile(histogram, 0.95))));
    Map<Long, long[]> dbByInterval = new TreeMap<>();
    dbByMinute.forEach((minute, values) -> {
      if (minute >= from && minute < to) {
        long[] sums = dbByInterval.computeIfAbsent((minute - from) / step, i -> new long[9]);
        for (int c = 0; c < 9; c++) {
          sums[c] += values[c];
        }
      }
    });
    JsonArray db = new JsonArray();
    dbByInterval.forEach((i, v) -> db.add(new JsonObject().put("i", i).put("samples", v[0]).put("active", v[1])
        .put("idle_in_tx", v[2]).put("waiting", v[3]).put("blocked", v[4]).put("host_samples", v[5])
        .put("load_milli", v[6]).put("cpu_milli", v[7]).put("iowait_milli", v[8])));
    return new JsonObject().put("php", php).put("percentiles", percentiles).put("db", db);
  }

  private static List<String> points(JsonObject reply, long from, long to, long step) {
    return RollupReads.overview(reply, from, to, step).stream().map(p -> p.toJson().encode()).toList();
  }

  @Test
  void theOverviewLevelAnswersWhatTheRouteAndHostRowsAnswer() throws Exception {
    rollUpGeneratedRecords();
    long[][] cases = {
        {NINE, NINE + 5 * HOUR, MINUTE},
        {NINE, NINE + 5 * HOUR, HOUR},
        {NINE + 23 * MINUTE, NINE + 4 * HOUR + 7 * MINUTE, 14 * MINUTE},
        {NINE - 2 * HOUR, NINE + 6 * HOUR, 2 * HOUR},
        {NINE + HOUR, NINE + 3 * HOUR, 5 * MINUTE},
        {NINE + 30 * MINUTE, NINE + 3 * HOUR + 30 * MINUTE, 30 * MINUTE}};
    int withRequests = 0;
    for (long[] c : cases) {
      List<String> expected = points(byRoutesAndHosts(c[0], c[1], c[2]), c[0], c[1], c[2]);
      assertEquals(expected, points(overview(c[0], c[1], c[2], true), c[0], c[1], c[2]),
          "from " + c[0] + " to " + c[1] + " step " + c[2]);
      assertEquals(expected, points(overview(c[0], c[1], c[2], false), c[0], c[1], c[2]));
      withRequests += (int) expected.stream().filter(p -> !p.contains("\"requests\":0,")).count();
    }
    assertTrue(withRequests > 100, "the cases cover intervals with requests: " + withRequests);
  }

  @Test
  void hourRowsHoldTheirMinutesSumsAndHistograms() throws Exception {
    rollUpGeneratedRecords();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE));
        Statement sql = connection.createStatement()) {
      Map<Long, Map<Long, Long>> fromMinutes = new TreeMap<>();
      Map<Long, long[]> sumsFromMinutes = new TreeMap<>();
      try (ResultSet rows = sql.executeQuery("SELECT minute_ms, count, samples, hist FROM rollup_overview")) {
        while (rows.next()) {
          long hour = rows.getLong(1) / HOUR * HOUR;
          OverviewIntervals.addHistogram(rows.getString(4), fromMinutes.computeIfAbsent(hour, h -> new TreeMap<>()));
          long[] sums = sumsFromMinutes.computeIfAbsent(hour, h -> new long[2]);
          sums[0] += rows.getLong(2);
          sums[1] += rows.getLong(3);
        }
      }
      int hours = 0;
      try (ResultSet rows = sql.executeQuery("SELECT hour_ms, count, samples, hist FROM rollup_overview_hour")) {
        while (rows.next()) {
          Map<Long, Long> histogram = new TreeMap<>();
          OverviewIntervals.addHistogram(rows.getString(4), histogram);
          assertEquals(fromMinutes.get(rows.getLong(1)), histogram);
          assertEquals(sumsFromMinutes.get(rows.getLong(1))[0], rows.getLong(2));
          assertEquals(sumsFromMinutes.get(rows.getLong(1))[1], rows.getLong(3));
          hours++;
        }
      }
      assertEquals(sumsFromMinutes.size(), hours);
      assertEquals(4, hours);
    }
  }

  @Test
  void histogramsAreReadWhateverTheirSpacing() {
    Map<Long, Long> histogram = new TreeMap<>();
    OverviewIntervals.addHistogram("{\"66\":3,\"70\":1}", histogram);
    OverviewIntervals.addHistogram("{ \"66\" : 2 , \"101\" : 4 }", histogram);
    OverviewIntervals.addHistogram("{}", histogram);
    assertEquals(Map.of(66L, 5L, 70L, 1L, 101L, 4L), histogram);
  }
}
