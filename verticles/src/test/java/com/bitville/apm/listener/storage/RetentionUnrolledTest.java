package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.bitville.apm.listener.storage.api.RetentionStore.Deleted;
import com.bitville.apm.listener.storage.api.RetentionStore.ExpiredBatch;
import com.bitville.apm.listener.testsupport.Await;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention counts the records it deletes before the rollup reached them (a rollup stopped or far behind for
 * longer than the raw retention), in a real SQLite file; a rollup that never ran expects nothing.
 */
class RetentionUnrolledTest {

  @TempDir
  Path dir;
  private TempStore store;
  private RetentionOps retention;

  @BeforeEach
  void open() throws Exception {
    store = TempStore.open(dir.resolve("r.db"));
    retention = new RetentionOps(store.vertx(), store.database(), dir.resolve("r.db"));
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  private void sql(String statement) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("r.db"));
        Statement sql = connection.createStatement()) {
      sql.execute(statement);
    }
  }

  private void storeOld(long fromId, long toId) throws Exception {
    for (long id = fromId; id <= toId; id++) {
      sql("INSERT INTO records (id, project, kind, source, correlation_id, event_time_ms, received_at_ms, payload) "
          + "VALUES (" + id + ", 'shop', 'postgres', 'pg_locks', 'c" + id + "', " + id + ", " + id + ", x'00')");
    }
  }

  private Deleted expire() throws Exception {
    return Await.result(retention.deleteExpired(new ExpiredBatch(1_000, 100, null, List.of(), false)));
  }

  @Test
  void recordsDeletedBeforeTheRollupReachedThemAreCounted() throws Exception {
    storeOld(1, 3);
    Deleted neverRolled = expire();
    assertEquals(3, neverRolled.deleted());
    assertEquals(0, neverRolled.unrolled(), "a rollup that never ran (cursor 0) expects nothing");

    storeOld(10, 14);
    sql("UPDATE rollup_cursor SET rolled_id = 11 WHERE name = 'rollup'");
    Deleted behind = expire();
    assertEquals(5, behind.deleted());
    assertEquals(3, behind.unrolled(), "12, 13 and 14 were never rolled up");

    storeOld(20, 21);
    sql("UPDATE rollup_cursor SET rolled_id = 21 WHERE name = 'rollup'");
    assertEquals(0, expire().unrolled(), "all rolled up");
  }
}
