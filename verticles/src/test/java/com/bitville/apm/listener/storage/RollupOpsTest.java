package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.analysis.RollupTable;
import com.bitville.apm.listener.storage.api.RollupStore;
import com.bitville.apm.listener.testsupport.Await;
import io.vertx.core.json.JsonObject;
import com.bitville.apm.listener.storage.api.RequestReads.RequestFilter;
import com.bitville.apm.listener.storage.api.RetentionStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rollup storage operations against a real SQLite file: paging, exactly-once writes, reads, expiry. */
class RollupOpsTest extends TempStoreTest {

  private static final long ROLLED_MINUTE = 1_795_000_020_000L - 1_795_000_020_000L % 60_000;

  @BeforeEach
  void open() throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE))) {
      for (int id = 1; id <= 3; id++) {
        connection.createStatement().execute("INSERT INTO records (id, project, kind, source, event_time_ms, "
            + "received_at_ms, payload) VALUES (" + id + ", 'shop', 'php', 'php', " + ROLLED_MINUTE + ", "
            + (ROLLED_MINUTE + id) + ", randomblob(100))");
      }
    }
  }

  private JsonObject page(long after, int limit, long maxBytes) throws Exception {
    return Await.result(rollups.page(new RollupStore.PageRequest(after, limit, maxBytes)));
  }

  private JsonObject write(long after, RollupBatch batch) throws Exception {
    return Await.result(rollups.write(new RollupStore.RollupWrite(after, batch.toJson())));
  }

  private JsonObject window(String project) throws Exception {
    return Await.result(rollups.window(new RollupStore.WindowRequest(project, ROLLED_MINUTE, ROLLED_MINUTE + 60_000)));
  }

  @Test
  void aPageStopsAtItsByteBudgetButNeverBeforeTheFirstRecord() throws Exception {
    assertEquals(2, page(0, 10, 150).getJsonArray("records").size());
    assertEquals(1, page(0, 10, 1).getJsonArray("records").size());
    assertEquals(3, page(0, 10, 1 << 20).getJsonArray("records").size());
    assertEquals(2, page(0, 2, 1 << 20).getJsonArray("records").size());
    assertEquals(3, page(2, 10, 1 << 20).getJsonArray("records").getJsonObject(0).getLong("id"));
  }

  @Test
  void aBatchIsAddedOnceAndMovesTheCursorInTheSameTransaction() throws Exception {
    RollupBatch batch = new RollupBatch();
    batch.add(RollupTable.PHP, "shop", ROLLED_MINUTE, new Object[] {"/a", "web-1"}, 2, 1_500_000, 100_000, 0, 900_000);
    batch.add(RollupTable.OVERVIEW, "shop", ROLLED_MINUTE, new Object[0], 2, 1_500_000, 100_000, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 900_000);
    batch.through(2, ROLLED_MINUTE + 2);
    assertTrue(write(0, batch).getBoolean("applied"));
    JsonObject again = write(0, batch);
    assertFalse(again.getBoolean("applied"), "a page already added is not added twice");
    assertEquals(2, again.getLong("rolled_id"));
    JsonObject cursor = Await.result(rollups.cursor());
    assertEquals(2, cursor.getLong("rolled_id"));
    assertEquals(1, cursor.getLong("backlog"));
    assertEquals(ROLLED_MINUTE + 2, cursor.getLong("caught_up_received_ms"));
    RollupBatch next = new RollupBatch();
    next.add(RollupTable.PHP, "shop", ROLLED_MINUTE, new Object[] {"/a", "web-1"}, 1, 2_000_000, 0, 1, 2_000_000);
    next.through(3, ROLLED_MINUTE + 3);
    assertTrue(write(2, next).getBoolean("applied"));
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE));
        ResultSet row = connection.createStatement().executeQuery("SELECT count, total_us, fatal, max_us FROM "
            + "rollup_php")) {
      assertTrue(row.next());
      assertEquals(3, row.getLong(1), "sums add up");
      assertEquals(3_500_000, row.getLong(2));
      assertEquals(1, row.getLong(3));
      assertEquals(2_000_000, row.getLong(4), "maxima rise");
      assertFalse(row.next());
    }
    assertEquals(3, window("shop").getJsonArray("routes").getJsonObject(0).getLong("count"));
    assertEquals(0, window("other").getJsonArray("routes").size(), "another project sees nothing");
    assertEquals(2, Await.result(rollups.expire(ROLLED_MINUTE + 60_000)).getLong("deleted"));
  }

  private static final String FINGERPRINT = "0123456789abcdef";

  private List<Long> listed(String fingerprint, String function, Long from, Long to) throws Exception {
    RequestFilter filter = new RequestFilter(List.of("shop"), "time", "desc", 50, from, to, null, null, null, null,
        null, null, null, null, null, null, null, null, fingerprint, function);
    return Await.result(new RequestQueries(database).list(filter)).rows().stream().map(r -> r.getLong("id")).toList();
  }

  private long count(String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE));
        ResultSet row = connection.createStatement().executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  @Test
  void requestKeysAreWrittenWithThePageFilterTheListAndGoWithTheirRecordsAndWithRollupExpiry() throws Exception {
    RollupBatch batch = new RollupBatch();
    batch.requestKey(RollupBatch.KeyKind.SQL, "shop", FINGERPRINT, ROLLED_MINUTE, 1);
    batch.requestKey(RollupBatch.KeyKind.SQL, "shop", FINGERPRINT, ROLLED_MINUTE, 2);
    batch.requestKey(RollupBatch.KeyKind.SQL, "shop", "fedcba9876543210", ROLLED_MINUTE, 3);
    batch.requestKey(RollupBatch.KeyKind.FUNCTION, "shop", "Orders::load", ROLLED_MINUTE, 2);
    batch.requestKey(RollupBatch.KeyKind.SQL, "other", FINGERPRINT, ROLLED_MINUTE, 3);
    batch.through(3, ROLLED_MINUTE + 3);
    assertTrue(write(0, batch).getBoolean("applied"));
    assertEquals(4, count("SELECT count(*) FROM rollup_request_keys"), "one list per project, key and minute");
    assertEquals(2, count("SELECT json_array_length(ids) FROM rollup_request_keys WHERE project = 'shop' AND "
        + "key = '" + FINGERPRINT + "'"));
    assertEquals(List.of(2L, 1L), listed(FINGERPRINT, null, null, null));
    assertEquals(List.of(2L), listed(FINGERPRINT, "Orders::load", ROLLED_MINUTE, ROLLED_MINUTE + 60_000));
    assertEquals(List.of(3L), listed("fedcba9876543210", null, ROLLED_MINUTE, ROLLED_MINUTE + 1));
    assertEquals(List.of(), listed(FINGERPRINT, null, ROLLED_MINUTE + 1, ROLLED_MINUTE + 60_000), "outside the window");
    assertEquals(List.of(), listed("ffffffffffffffff", null, null, null));
    assertEquals(List.of(), listed(null, "Orders::save", null, null));

    RetentionStore retention = new RetentionOps(vertx, database, dir.resolve(DB_FILE));
    assertEquals(1, Await.result(retention.deleteOldest(new RetentionStore.OldestBatch(1, false))).deleted());
    assertEquals(4, count("SELECT count(*) FROM rollup_request_keys"), "records of that minute are left");
    assertEquals(List.of(2L), listed(FINGERPRINT, null, null, null), "a deleted record is no longer listed");
    assertEquals(2, Await.result(retention.deleteOldest(new RetentionStore.OldestBatch(2, false))).deleted());
    assertEquals(0, count("SELECT count(*) FROM rollup_request_keys WHERE project = 'shop'"),
        "the minute's lists go with its last record");
    assertEquals(1, count("SELECT count(*) FROM rollup_request_keys"), "another project's lists stay");

    RollupBatch later = new RollupBatch();
    later.requestKey(RollupBatch.KeyKind.FUNCTION, "shop", "Orders::load", ROLLED_MINUTE + 60_000, 4);
    later.through(4, ROLLED_MINUTE + 60_004);
    assertTrue(write(3, later).getBoolean("applied"));
    Await.result(rollups.expire(ROLLED_MINUTE + 60_000));
    assertEquals(1, count("SELECT count(*) FROM rollup_request_keys"), "expired by minute in every project; a later "
        + "minute is kept");
    Await.result(rollups.expire(ROLLED_MINUTE + 120_000));
    assertEquals(0, count("SELECT count(*) FROM rollup_request_keys"));
  }
}
