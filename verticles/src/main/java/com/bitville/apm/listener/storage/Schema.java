package com.bitville.apm.listener.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned, transactional migrations. Each runs once, in order, in its own transaction together with the
 * bump of {@code schema_version}; a database written by a newer listener is refused rather than guessed at.
 * Version ranges keep parallel work apart: 1-9 core ingest, 10-19 retention and forwarding, 20-29 query side.
 */
public final class Schema {

  record Migration(int version, String description, List<String> statements) {
  }

  private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

  static final List<Migration> MIGRATIONS = List.of(
      new Migration(1, "records, links, functions, SQL", List.of(
          """
          CREATE TABLE records (
            id INTEGER PRIMARY KEY,
            project TEXT NOT NULL,
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            correlation_id TEXT,
            event_time_ms INTEGER NOT NULL,
            received_at_ms INTEGER NOT NULL,
            event_time_estimated INTEGER NOT NULL DEFAULT 0,
            duration_ms REAL,
            route TEXT,
            url TEXT,
            method TEXT,
            status INTEGER,
            host TEXT,
            sql_count INTEGER,
            sql_time_ms REAL,
            memory_peak_bytes INTEGER,
            fatal INTEGER NOT NULL DEFAULT 0,
            summary TEXT,
            node TEXT,
            payload BLOB NOT NULL
          )""",
          "CREATE INDEX records_correlation ON records(correlation_id) WHERE correlation_id IS NOT NULL",
          "CREATE INDEX records_project_time ON records(project, event_time_ms, id)",
          "CREATE INDEX records_project_duration ON records(project, duration_ms) WHERE kind = 'php'",
          "CREATE INDEX records_project_route_time ON records(project, route, event_time_ms) WHERE kind = 'php'",
          "CREATE INDEX records_event_time ON records(event_time_ms)",
          """
          CREATE TABLE record_links (
            correlation_id TEXT NOT NULL,
            record_id INTEGER NOT NULL,
            PRIMARY KEY (correlation_id, record_id)
          ) WITHOUT ROWID""",
          "CREATE INDEX record_links_record ON record_links(record_id)",
          """
          CREATE TABLE request_functions (
            record_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            calls INTEGER NOT NULL,
            wall_us INTEGER NOT NULL,
            PRIMARY KEY (record_id, name)
          ) WITHOUT ROWID""",
          """
          CREATE TABLE request_sql (
            record_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            time_ms REAL NOT NULL,
            PRIMARY KEY (record_id, seq)
          ) WITHOUT ROWID""",
          "CREATE TABLE sql_texts (fingerprint TEXT PRIMARY KEY, normalized TEXT NOT NULL) WITHOUT ROWID",
          "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
          "INSERT INTO counters (name, value) VALUES ('next_record_id', 1)")),
      new Migration(10, "GELF outbox cursor and failures; fingerprint index for the orphan sweep", List.of(
          """
          CREATE TABLE gelf_outbox (
            name TEXT PRIMARY KEY,
            forwarded_id INTEGER NOT NULL,
            updated_at_ms INTEGER NOT NULL
          ) WITHOUT ROWID""",
          "INSERT INTO gelf_outbox (name, forwarded_id, updated_at_ms) VALUES ('graylog', 0, 0)",
          """
          CREATE TABLE gelf_failures (
            record_id INTEGER PRIMARY KEY,
            failed_at_ms INTEGER NOT NULL,
            reason TEXT NOT NULL
          )""",
          "CREATE INDEX IF NOT EXISTS request_sql_fingerprint ON request_sql(fingerprint)")),
      // ---- 20-29: query side (issue 4); statements in QuerySchema ----
      new Migration(20, "query indexes: PHP time/route/duration keysets, pg-agent by source",
          QuerySchema.INDEXES),
      new Migration(21, "hourly route latency histograms maintained by triggers", QuerySchema.ROUTE_HOURLY),
      // child rows cost the single writer more than the record itself; the payload holds the same facts
      new Migration(22, "functions and SQL read from the payload: child tables, self links, a duplicate index dropped",
          List.of(
              "DROP TABLE IF EXISTS request_functions",
              "DROP INDEX IF EXISTS request_sql_fingerprint",
              "DROP TABLE IF EXISTS request_sql",
              "DROP TABLE IF EXISTS sql_texts",
              "DROP INDEX IF EXISTS records_project_route_time",
              """
              DELETE FROM record_links WHERE EXISTS (SELECT 1 FROM records r WHERE r.id = record_links.record_id
                AND r.correlation_id = record_links.correlation_id)""")),
      // ---- 30-39: per-minute rollups for spike analysis; statements in RollupSchema ----
      new Migration(30, "per-minute rollups: PHP routes and hosts, functions, SQL, pg-agent; texts; cursor",
          RollupSchema.first()),
      new Migration(31, "per-minute XHProf edges for a window's flame graph",
          RollupSchema.tables(List.of(RollupSchema.Def.of(com.bitville.apm.listener.analysis.RollupTable.EDGE)))),
      new Migration(32, "per-minute totals and histogram of all routes, for the overview over long ranges",
          RollupSchema.minuteTotals()),
      new Migration(33, "per-request SQL fingerprints and functions, written by the rollup, for the request list",
          RollupSchema.requestKeys()),
      new Migration(34, "hourly level of every rollup table, filled from the minutes rolled up so far",
          RollupSchema.hourTables()),
      new Migration(35, "the overview's one row per project and minute (and hour): PHP totals with their duration "
          + "histogram, database sessions, host metrics; replaces rollup_php_minute, rollup_php_minute_hist, rollup_db",
          RollupSchema.overviewLevel()),
      new Migration(36, "per-request SQL fingerprints and functions as lists of record ids per key and minute; "
          + "replaces rollup_request_sql and rollup_request_function", RollupSchema.requestKeyLists()));

  private Schema() {
  }

  /** Brings the file to the newest version; returns the version it is at afterwards. */
  public static Future<Integer> migrate(Pool writer) {
    return writer.withConnection(connection -> prepare(connection)
        .compose(v -> currentVersion(connection))
        .compose(current -> applyFrom(connection, current)));
  }

  /**
   * auto_vacuum can only be switched on before the first table exists: incremental mode lets retention
   * hand freed pages back to the file system in small steps instead of a blocking full VACUUM. The connection
   * has already put the file in WAL mode (which writes its header), so on a new file the setting only takes
   * effect through a VACUUM, which is instant while the file is empty. An older file without it keeps working
   * (freed pages are still reused by inserts) and is reported, never rebuilt behind the operator's back.
   */
  private static Future<Void> prepare(SqlConnection connection) {
    return connection.query("PRAGMA auto_vacuum = INCREMENTAL").execute()
        .compose(v -> Future.all(connection.query("PRAGMA auto_vacuum").execute(),
            connection.query("SELECT count(*) FROM sqlite_master").execute()))
        .compose(all -> {
          int mode = all.<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>resultAt(0).iterator().next().getInteger(0);
          long objects = all.<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>resultAt(1).iterator().next().getLong(0);
          if (mode == 2) {
            return Future.succeededFuture();
          }
          if (objects == 0) {
            return connection.query("VACUUM").execute().mapEmpty();
          }
          LOG.warn("The database file was created without auto_vacuum=INCREMENTAL: freed pages are reused but not "
              + "returned to the file system. To convert it, stop the listener and run: sqlite3 <db> "
              + "'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'");
          return Future.succeededFuture();
        })
        .compose(v -> connection.query(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at_ms INTEGER NOT NULL,"
                + " description TEXT NOT NULL)").execute())
        .mapEmpty();
  }

  private static Future<Integer> currentVersion(SqlConnection connection) {
    return connection.query("SELECT coalesce(max(version), 0) AS version FROM schema_version").execute()
        .map(rows -> rows.iterator().next().getInteger("version"));
  }

  private static Future<Integer> applyFrom(SqlConnection connection, int current) {
    int newest = MIGRATIONS.get(MIGRATIONS.size() - 1).version();
    if (current > newest) {
      return Future.failedFuture(new IllegalStateException("database schema version " + current
          + " is newer than this listener understands (" + newest + "); upgrade the listener"));
    }
    Future<Integer> chain = Future.succeededFuture(current);
    for (Migration migration : MIGRATIONS) {
      if (migration.version() > current) {
        chain = chain.compose(v -> apply(connection, migration));
      }
    }
    return chain;
  }

  private static Future<Integer> apply(SqlConnection connection, Migration migration) {
    LOG.info("Applying schema migration {}: {}", migration.version(), migration.description());
    return connection.begin().compose(transaction -> {
      Future<?> chain = Future.succeededFuture();
      for (String statement : migration.statements()) {
        chain = chain.compose(v -> connection.query(statement).execute());
      }
      return chain.compose(v -> connection
              .preparedQuery("INSERT INTO schema_version (version, applied_at_ms, description) VALUES (?, ?, ?)")
              .execute(io.vertx.sqlclient.Tuple.of(migration.version(), System.currentTimeMillis(),
                  migration.description())))
          .compose(v -> transaction.commit())
          .map(v -> migration.version())
          .recover(e -> transaction.rollback().transform(r -> Future.failedFuture(new IllegalStateException(
              "schema migration " + migration.version() + " failed: " + e.getMessage(), e))));
    });
  }

}
