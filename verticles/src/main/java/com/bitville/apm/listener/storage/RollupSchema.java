package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.analysis.RollupTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Schema of the rollups (migrations 30-39), per minute and per hour: one table per {@link RollupTable} (migration
 * 35 replaced the overview's three tables by one row per project and minute), the
 * per-request SQL and function keys, keyed by project and
 * minute first so that every read of a project's range is a primary-key range; the texts of SQL fingerprints and
 * database statements once per key; the rollup verticle's durable cursor.
 */
final class RollupSchema {

  /** Migration 30: the first tables, the texts and the cursor. */
  static List<String> first() {
    List<String> statements = tables(List.of(Def.of(RollupTable.PHP), Def.of(RollupTable.PHP_HISTOGRAM),
        Def.of(RollupTable.FUNCTION), Def.of(RollupTable.SQL), OLD_DB, Def.of(RollupTable.DB_WAIT),
        Def.of(RollupTable.DB_STATEMENT), Def.of(RollupTable.LOCK), Def.of(RollupTable.LOG)));
    statements.addAll(TEXTS_AND_CURSOR);
    return statements;
  }

  /**
   * A table as a migration created it. Migrations must keep creating what they created then, so the tables that a
   * later migration replaced are described here rather than by {@link RollupTable}.
   */
  record Def(String table, List<String> keys, List<String> sums, List<String> maxes, boolean histogram) {
    static Def of(RollupTable table) {
      return new Def(table.table(), table.keys(), table.sums(), table.maxes(), table.histogram());
    }

    List<String> values() {
      List<String> columns = new ArrayList<>(sums);
      columns.addAll(maxes);
      return columns;
    }
  }

  /** Replaced by {@link RollupTable#OVERVIEW} in migration 35. */
  private static final Def OLD_DB = new Def("rollup_db", List.of(), List.of("samples", "active", "idle_in_tx",
      "waiting", "blocked", "host_samples", "load_milli", "cpu_milli", "iowait_milli"), List.of(), false);
  private static final Def OLD_PHP_MINUTE = new Def("rollup_php_minute", List.of(), List.of("count", "total_us",
      "sql_us", "fatal"), List.of("max_us"), false);
  private static final Def OLD_PHP_MINUTE_HISTOGRAM = new Def("rollup_php_minute_hist", List.of("bucket"),
      List.of("count"), List.of(), false);

  /** The tables of migration 34's hourly level: every rollup table there was then. */
  private static final List<Def> TABLES_OF_34 = List.of(Def.of(RollupTable.PHP), Def.of(RollupTable.PHP_HISTOGRAM),
      Def.of(RollupTable.FUNCTION), Def.of(RollupTable.SQL), OLD_DB, Def.of(RollupTable.DB_WAIT),
      Def.of(RollupTable.DB_STATEMENT), Def.of(RollupTable.LOCK), Def.of(RollupTable.LOG), Def.of(RollupTable.EDGE),
      OLD_PHP_MINUTE, OLD_PHP_MINUTE_HISTOGRAM);

  /** Migration 32: a minute's totals over all routes and hosts, filled from the route rows already rolled up. */
  static List<String> minuteTotals() {
    List<String> statements = tables(List.of(OLD_PHP_MINUTE, OLD_PHP_MINUTE_HISTOGRAM));
    statements.add("""
        INSERT INTO rollup_php_minute (project, minute_ms, count, total_us, sql_us, fatal, max_us)
        SELECT project, minute_ms, sum(count), sum(total_us), sum(sql_us), sum(fatal), max(max_us) FROM rollup_php
        GROUP BY project, minute_ms""");
    statements.add("""
        INSERT INTO rollup_php_minute_hist (project, minute_ms, bucket, count)
        SELECT project, minute_ms, bucket, sum(count) FROM rollup_php_hist GROUP BY project, minute_ms, bucket""");
    return statements;
  }

  /**
   * Migration 33: which requests ran a SQL fingerprint or a function with self time, written by the rollup
   * (never by the ingest commit). Keyed for the request list's filter within a time window; the record id index
   * serves retention of the records, the time index the rollup's own retention.
   */
  static List<String> requestKeys() {
    List<String> statements = new ArrayList<>();
    for (String[] table : List.of(new String[] {"rollup_request_sql", "fingerprint"},
        new String[] {"rollup_request_function", "name"})) {
      statements.add("CREATE TABLE " + table[0] + " (project TEXT NOT NULL, " + table[1] + " TEXT NOT NULL, "
          + "event_time_ms INTEGER NOT NULL, record_id INTEGER NOT NULL, PRIMARY KEY (project, " + table[1]
          + ", event_time_ms, record_id)) WITHOUT ROWID");
      statements.add("CREATE INDEX " + table[0] + "_record ON " + table[0] + "(record_id)");
      statements.add("CREATE INDEX " + table[0] + "_time ON " + table[0] + "(event_time_ms)");
    }
    return statements;
  }

  /**
   * Migration 36: the per-request keys as lists of record ids per (project, kind, key, minute), one row per key and
   * minute of each rollup page instead of a row per request and key: a PHP request runs about a hundred of them,
   * and a row each (three B-trees) cost the single writer about 160 us per request. The rows of migration 33 are
   * carried over. Retention drops a minute's lists once no PHP record of that project and minute is left; the
   * (project, minute_ms) index serves that and the rollup's own expiry.
   */
  static List<String> requestKeyLists() {
    return List.of("""
        CREATE TABLE rollup_request_keys (project TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
          minute_ms INTEGER NOT NULL, first_id INTEGER NOT NULL, ids TEXT NOT NULL,
          PRIMARY KEY (project, kind, key, minute_ms, first_id)) WITHOUT ROWID""",
        "CREATE INDEX rollup_request_keys_minute ON rollup_request_keys(project, minute_ms)",
        carryOver("rollup_request_sql", "fingerprint", "SQL"),
        carryOver("rollup_request_function", "name", "FUNCTION"),
        "DROP TABLE rollup_request_sql",
        "DROP TABLE rollup_request_function");
  }

  private static String carryOver(String table, String keyColumn, String kind) {
    return "INSERT INTO rollup_request_keys (project, kind, key, minute_ms, first_id, ids) SELECT project, '" + kind
        + "', " + keyColumn + ", event_time_ms - (event_time_ms % 60000) AS minute, min(record_id), "
        + "json_group_array(record_id) FROM (SELECT * FROM " + table + " ORDER BY record_id) GROUP BY project, "
        + keyColumn + ", minute";
  }

  /**
   * The hourly level: every rollup table again per hour ({@code <table>_hour}, keyed by {@code hour_ms}), filled
   * from the minutes already rolled up. Hour rows are sums (and maxima) of their minutes, so a read may take whole
   * hours from here and the partial edges from the minutes with the same result.
   */
  static List<String> hourTables() {
    List<String> statements = new ArrayList<>();
    for (Def table : TABLES_OF_34) {
      statements.addAll(create(table, true));
      List<String> keys = new ArrayList<>(List.of("project", "minute_ms / 3600000 * 3600000"));
      keys.addAll(table.keys());
      List<String> values = new ArrayList<>(keys);
      table.sums().forEach(c -> values.add("sum(" + c + ")"));
      table.maxes().forEach(c -> values.add("max(" + c + ")"));
      List<String> columns = new ArrayList<>(List.of("project", "hour_ms"));
      columns.addAll(table.keys());
      columns.addAll(table.values());
      statements.add("INSERT INTO " + table.table() + "_hour (" + String.join(", ", columns) + ") SELECT "
          + String.join(", ", values) + " FROM " + table.table() + " GROUP BY " + String.join(", ", keys));
    }
    return statements;
  }

  /**
   * Migration 35: the overview's one row per project and minute (and per hour), filled from the per-minute totals,
   * their histogram rows and the database rows it replaces (which are dropped).
   */
  static List<String> overviewLevel() {
    List<String> statements = new ArrayList<>();
    statements.addAll(create(Def.of(RollupTable.OVERVIEW), false));
    statements.addAll(create(Def.of(RollupTable.OVERVIEW), true));
    statements.add(fillOverview("minute_ms", ""));
    statements.add(fillOverview("hour_ms", "_hour"));
    for (Def old : List.of(OLD_DB, OLD_PHP_MINUTE, OLD_PHP_MINUTE_HISTOGRAM)) {
      statements.add("DROP TABLE " + old.table());
      statements.add("DROP TABLE " + old.table() + "_hour");
    }
    return statements;
  }

  private static String fillOverview(String time, String suffix) {
    List<String> columns = Def.of(RollupTable.OVERVIEW).values();
    List<String> php = new ArrayList<>();
    List<String> db = new ArrayList<>();
    List<String> aggregates = new ArrayList<>();
    for (String column : columns) {
      php.add(OLD_PHP_MINUTE.values().contains(column) ? column : "0 AS " + column);
      db.add(OLD_DB.values().contains(column) ? column : "0");
      aggregates.add((RollupTable.OVERVIEW.maxes().contains(column) ? "max(" : "sum(") + column + ")");
    }
    return "INSERT INTO rollup_overview" + suffix + " (project, " + time + ", " + String.join(", ", columns) + ", "
        + RollupTable.HISTOGRAM_COLUMN + ") SELECT u.project, u." + time + ", " + String.join(", ", aggregates)
        + ", coalesce((SELECT json_group_object(CAST(h.bucket AS TEXT), h.count) FROM rollup_php_minute_hist" + suffix
        + " h WHERE h.project = u.project AND h." + time + " = u." + time + "), '{}') FROM (SELECT project, " + time
        + ", " + String.join(", ", php) + " FROM rollup_php_minute" + suffix + " UNION ALL SELECT project, " + time
        + ", " + String.join(", ", db) + " FROM rollup_db" + suffix + ") u GROUP BY u.project, u." + time;
  }

  static String hourTable(RollupTable table) {
    return table.table() + "_hour";
  }

  static List<String> tables(List<Def> tables) {
    List<String> statements = new ArrayList<>();
    for (Def table : tables) {
      statements.addAll(create(table, false));
    }
    return statements;
  }

  private static List<String> create(Def table, boolean hourly) {
    String time = hourly ? "hour_ms" : "minute_ms";
    StringBuilder create = new StringBuilder("CREATE TABLE ").append(table.table()).append(hourly ? "_hour" : "")
        .append(" (project TEXT NOT NULL, ").append(time).append(" INTEGER NOT NULL");
    for (String key : table.keys()) {
      create.append(", ").append(key).append(key.equals("bucket") ? " INTEGER NOT NULL" : " TEXT NOT NULL");
    }
    for (String value : table.values()) {
      create.append(", ").append(value).append(" INTEGER NOT NULL");
    }
    if (table.histogram()) {
      create.append(", ").append(RollupTable.HISTOGRAM_COLUMN).append(" TEXT NOT NULL DEFAULT '{}'");
    }
    create.append(", PRIMARY KEY (project, ").append(time);
    table.keys().forEach(key -> create.append(", ").append(key));
    return List.of(create.append(")) WITHOUT ROWID").toString());
  }

  private static final List<String> TEXTS_AND_CURSOR = List.of("""
        CREATE TABLE rollup_sql_text (project TEXT NOT NULL, fingerprint TEXT NOT NULL, normalized TEXT NOT NULL,
          PRIMARY KEY (project, fingerprint)) WITHOUT ROWID""",
      """
        CREATE TABLE rollup_statement_text (project TEXT NOT NULL, queryid TEXT NOT NULL, query TEXT NOT NULL,
          PRIMARY KEY (project, queryid)) WITHOUT ROWID""",
      """
        CREATE TABLE rollup_cursor (name TEXT PRIMARY KEY, rolled_id INTEGER NOT NULL,
          caught_up_received_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL)""",
      "INSERT INTO rollup_cursor (name, rolled_id, caught_up_received_ms, updated_at_ms) VALUES ('rollup', 0, 0, 0)");

  static List<String> columnsOf(RollupTable table) {
    return Def.of(table).values();
  }

  private RollupSchema() {
  }
}
