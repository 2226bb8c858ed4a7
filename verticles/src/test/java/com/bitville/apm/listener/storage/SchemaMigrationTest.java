package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** A file written by an earlier listener (schema 21, with child rows) is upgraded in place. */
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

    Vertx vertx = Vertx.vertx();
    try {
      Database database = Database.open(vertx, new StorageSettings(file, "FULL", 10, 100, 1, 1000, true));
      assertEquals(Schema.MIGRATIONS.get(Schema.MIGRATIONS.size() - 1).version(),
          Await.result(Schema.migrate(database.writer())));
      Await.result(database.close());
    } finally {
      Await.result(vertx.close());
    }

    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      assertEquals(0, count(sql, "SELECT count(*) FROM sqlite_master WHERE name IN ('request_functions',"
          + " 'request_sql', 'sql_texts', 'records_project_route_time')"));
      assertEquals(2, count(sql, "SELECT count(*) FROM records"));
      assertEquals(1, count(sql, "SELECT count(*) FROM record_links"), "only the link to another id stays");
      assertEquals(1, count(sql, "SELECT count(*) FROM record_links WHERE correlation_id = 'bbbb'"));
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
