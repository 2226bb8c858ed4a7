package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.StorageSettings;
import com.bitville.apm.listener.testsupport.Await;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written by earlier listeners are upgraded in place. */
class SchemaMigrationTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Migration 22 drops the child tables and self links, keeps records and other links")
  void upgradesSchema21() throws Exception {
    Path file = dir.resolve("old.db");
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      for (Schema.Migration migration : Schema.MIGRATIONS) {
        if (migration.version() <= 21) {
          applyByHand(sql, migration);
        }
      }
      sql.execute("INSERT INTO records (id, project, kind, source, correlation_id, event_time_ms, received_at_ms,"
          + " payload) VALUES (1, 'shop', 'php', 'php', 'aaaa', 1, 1, x'00'),"
          + " (2, 'shop', 'postgres', 'pg_locks', 'aaaa', 2, 2, x'00')");
      sql.execute("INSERT INTO record_links VALUES ('aaaa', 1), ('aaaa', 2), ('bbbb', 2)");
      sql.execute("INSERT INTO request_functions VALUES (1, 'main()', 1, 10)");
      sql.execute("INSERT INTO request_sql VALUES (1, 0, 'f1', 1.5)");
      sql.execute("INSERT INTO sql_texts VALUES ('f1', 'SELECT ?')");
    }

    assertEquals(Schema.MIGRATIONS.get(Schema.MIGRATIONS.size() - 1).version(), migrate(file));

    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      assertEquals(0, count(sql, "SELECT count(*) FROM sqlite_master WHERE name IN ('request_functions',"
          + " 'request_sql', 'sql_texts', 'records_project_route_time')"));
      assertEquals(2, count(sql, "SELECT count(*) FROM records"));
      assertEquals(1, count(sql, "SELECT count(*) FROM record_links"), "only the link to another id stays");
      assertEquals(1, count(sql, "SELECT count(*) FROM record_links WHERE correlation_id = 'bbbb'"));
    }
  }

  @Test
  @DisplayName("Migration 35 folds the overview's minute totals, histograms and database rows into one row per minute")
  void upgradesSchema34() throws Exception {
    Path file = dir.resolve("old34.db");
    long minute = 1_795_000_020_000L / 60_000 * 60_000;
    long hour = minute / 3_600_000 * 3_600_000;
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      for (Schema.Migration migration : Schema.MIGRATIONS) {
        if (migration.version() <= 34) {
          applyByHand(sql, migration);
        }
      }
      for (String suffix : new String[] {"", "_hour"}) {
        long t = suffix.isEmpty() ? minute : hour;
        sql.execute("INSERT INTO rollup_php_minute" + suffix + " VALUES ('shop', " + t + ", 3, 2400000, 600000, 1, "
            + "1500000), ('shop', " + (t + 120_000) + ", 1, 700000, 0, 0, 700000)");
        sql.execute("INSERT INTO rollup_php_minute_hist" + suffix + " VALUES ('shop', " + t + ", 66, 2), ('shop', "
            + t + ", 77, 1), ('shop', " + (t + 120_000) + ", 69, 1)");
        sql.execute("INSERT INTO rollup_db" + suffix + " VALUES ('shop', " + t + ", 2, 5, 1, 3, 1, 1, 2500, 40000, "
            + "1000), ('db-only', " + t + ", 1, 1, 0, 0, 0, 0, 0, 0, 0)");
      }
    }

    migrate(file);

    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      assertEquals(0, count(sql, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rollup_php_minute%' OR name "
          + "LIKE 'rollup_db' OR name LIKE 'rollup_db_hour'"));
      for (String[] level : new String[][] {{"", "minute_ms", String.valueOf(minute)},
          {"_hour", "hour_ms", String.valueOf(hour)}}) {
        String table = "rollup_overview" + level[0];
        assertEquals(3, count(sql, "SELECT count(*) FROM " + table));
        try (ResultSet row = sql.executeQuery("SELECT count, total_us, sql_us, fatal, max_us, samples, active, "
            + "idle_in_tx, waiting, blocked, host_samples, load_milli, cpu_milli, iowait_milli, hist FROM " + table
            + " WHERE project = 'shop' AND " + level[1] + " = " + level[2])) {
          assertTrue(row.next());
          long[] expected = {3, 2_400_000, 600_000, 1, 1_500_000, 2, 5, 1, 3, 1, 1, 2500, 40_000, 1000};
          for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], row.getLong(i + 1), table + " column " + (i + 1));
          }
          java.util.Map<Long, Long> histogram = new java.util.TreeMap<>();
          OverviewIntervals.addHistogram(row.getString(15), histogram);
          assertEquals(java.util.Map.of(66L, 2L, 77L, 1L), histogram);
        }
        assertEquals(1, count(sql, "SELECT count(*) FROM " + table + " WHERE project = 'shop' AND count = 1 AND "
            + "samples = 0 AND hist = '{\"69\":1}'"), "a minute without database rows");
        assertEquals(1, count(sql, "SELECT count(*) FROM " + table + " WHERE project = 'db-only' AND count = 0 AND "
            + "samples = 1 AND hist = '{}'"), "a minute without requests");
      }
    }
  }

  @Test
  @DisplayName("Migration 36 carries the per-request key rows over as one id list per project, key and minute")
  void upgradesSchema35() throws Exception {
    Path file = dir.resolve("old35.db");
    long minute = 1_795_000_020_000L / 60_000 * 60_000;
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      for (Schema.Migration migration : Schema.MIGRATIONS) {
        if (migration.version() <= 35) {
          applyByHand(sql, migration);
        }
      }
      sql.execute("INSERT INTO rollup_request_sql VALUES ('shop', 'f1', " + (minute + 5) + ", 7), ('shop', 'f1', "
          + (minute + 59_999) + ", 3), ('shop', 'f1', " + (minute + 60_000) + ", 9), ('other', 'f1', " + minute
          + ", 4)");
      sql.execute("INSERT INTO rollup_request_function VALUES ('shop', 'Orders::load', " + minute + ", 3)");
    }

    migrate(file);

    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      assertEquals(0, count(sql, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'rollup_request_sql%' OR name "
          + "LIKE 'rollup_request_function%'"));
      assertEquals(4, count(sql, "SELECT count(*) FROM rollup_request_keys"));
      assertEquals(1, count(sql, "SELECT count(*) FROM rollup_request_keys WHERE project = 'shop' AND kind = 'SQL' "
          + "AND key = 'f1' AND minute_ms = " + minute + " AND first_id = 3 AND ids = '[3,7]'"));
      assertEquals(1, count(sql, "SELECT count(*) FROM rollup_request_keys WHERE project = 'shop' AND kind = 'SQL' "
          + "AND minute_ms = " + (minute + 60_000) + " AND ids = '[9]'"));
      assertEquals(1, count(sql, "SELECT count(*) FROM rollup_request_keys WHERE project = 'shop' AND kind = "
          + "'FUNCTION' AND key = 'Orders::load' AND ids = '[3]'"));
    }
  }

  /** Opens the file as the listener does and applies the migrations it lacks; the version it ends at. */
  private static int migrate(Path file) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Database database = Database.open(vertx, new StorageSettings(file, "FULL", 10, 100, 1, 1000, true));
      int version = Await.result(Schema.migrate(database.writer()));
      Await.result(database.close());
      return version;
    } finally {
      Await.result(vertx.close());
    }
  }

  private static void applyByHand(Statement sql, Schema.Migration migration) throws SQLException {
    for (String statement : migration.statements()) {
      sql.execute(statement);
    }
    sql.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at_ms INTEGER NOT NULL,"
        + " description TEXT NOT NULL)");
    sql.execute("INSERT INTO schema_version VALUES (" + migration.version() + ", 0, 'by hand')");
  }

  private static long count(Statement sql, String query) throws SQLException {
    try (ResultSet rows = sql.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
