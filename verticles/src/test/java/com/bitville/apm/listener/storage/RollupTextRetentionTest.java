package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.analysis.RollupTable;
import com.bitville.apm.listener.storage.api.RollupStore;
import com.bitville.apm.listener.testsupport.Await;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The texts the rollups keep once per key (normalized SQL by fingerprint, statement text by queryid) expire with
 * the last rollup row that refers to them, in a real SQLite file; the texts still referred to stay and are shown.
 */
class RollupTextRetentionTest extends TempStoreTest {

  private long after;

  /** One page: each named fingerprint and queryid used once in that minute, with its text. */
  private void write(String project, long minute, List<String> fingerprints, List<String> queryIds)
      throws Exception {
    RollupBatch batch = new RollupBatch();
    for (String fingerprint : fingerprints) {
      batch.add(RollupTable.SQL, project, minute, new Object[] {fingerprint}, 1, 1_000, 1, 1_000);
      batch.sqlText(project, fingerprint, "SELECT * FROM " + fingerprint + " WHERE id = ?");
    }
    for (String queryId : queryIds) {
      batch.add(RollupTable.DB_STATEMENT, project, minute, new Object[] {queryId}, 1, 1_000, 1);
      batch.statementText(project, queryId, "UPDATE " + queryId + " SET x = $1");
    }
    batch.through(after + 1, minute);
    assertTrue(Await.result(rollups.write(new RollupStore.RollupWrite(after, batch.toJson())))
        .getBoolean("applied"));
    after++;
  }

  private List<String> texts(String table, String key) throws Exception {
    List<String> keys = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DB_FILE));
        ResultSet rows = connection.createStatement().executeQuery("SELECT project || ':' || " + key + " FROM "
            + table + " ORDER BY 1")) {
      while (rows.next()) {
        keys.add(rows.getString(1));
      }
    }
    return keys;
  }

  @Test
  void textsGoWithTheLastRollupRowThatUsesThem() throws Exception {
    write("shop", NINE + 10 * MINUTE, List.of("fpOld", "fpBoth"), List.of("qOld", "qBoth"));
    write("shop", NINE + HOUR + 40 * MINUTE, List.of("fpHalf"), List.of("qHalf"));
    write("shop", NINE + 3 * HOUR, List.of("fpBoth", "fpNew"), List.of("qBoth", "qNew"));
    write("other", NINE + 10 * MINUTE, List.of("fpOld"), List.of("qOld"));

    // the retention cuts the hour of fpHalf before its minute: its hour keeps it, so its text stays
    Await.result(rollups.expire(NINE + HOUR + 20 * MINUTE));
    assertEquals(List.of("shop:fpBoth", "shop:fpHalf", "shop:fpNew"), texts("rollup_sql_text", "fingerprint"));
    assertEquals(List.of("shop:qBoth", "shop:qHalf", "shop:qNew"), texts("rollup_statement_text", "queryid"));

    Await.result(rollups.expire(NINE + HOUR + 50 * MINUTE));
    assertEquals(List.of("shop:fpBoth", "shop:fpNew"), texts("rollup_sql_text", "fingerprint"));
    assertEquals(List.of("shop:qBoth", "shop:qNew"), texts("rollup_statement_text", "queryid"));

    JsonObject window = Await.result(rollups.window(new RollupStore.WindowRequest("shop", NINE + 2 * HOUR,
        NINE + 4 * HOUR)));
    assertEquals("SELECT * FROM fpBoth WHERE id = ?", window.getJsonArray("sql").stream()
        .map(JsonObject.class::cast).filter(r -> r.getString("fingerprint").equals("fpBoth")).findFirst()
        .orElseThrow().getString("normalized"), "a text still in use is still shown");

    // seen again later, a text comes back with its rows
    write("shop", NINE + 3 * HOUR + MINUTE, List.of("fpOld"), List.of("qOld"));
    assertEquals(List.of("shop:fpBoth", "shop:fpNew", "shop:fpOld"), texts("rollup_sql_text", "fingerprint"));
    assertEquals(List.of("shop:qBoth", "shop:qNew", "shop:qOld"), texts("rollup_statement_text", "queryid"));
  }
}
