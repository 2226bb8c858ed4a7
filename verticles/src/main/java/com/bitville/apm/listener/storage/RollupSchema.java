package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.analysis.RollupTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Schema of the rollups (migrations 30-39), per minute and per hour: one table per {@link RollupTable}, the
 * per-request SQL and function keys, keyed by project and
 * minute first so that every read of a project's range is a primary-key range; the texts of SQL fingerprints and
 * database statements once per key; the rollup verticle's durable cursor.
 */
final class RollupSchema {

  /** Migration 30: the first tables, the texts and the cursor. */
  static List<String> first() {
    List<String> statements = tables(List.of(RollupTable.PHP, RollupTable.PHP_HISTOGRAM, RollupTable.FUNCTION,
        RollupTable.SQL, RollupTable.DB, RollupTable.DB_WAIT, RollupTable.DB_STATEMENT, RollupTable.LOCK,
        RollupTable.LOG));
    statements.addAll(TEXTS_AND_CURSOR);
    return statements;
  }

  /** Migration 32: a minute's totals over all routes and hosts, filled from the route rows already rolled up. */
  static List<String> minuteTotals() {
    List<String> statements = tables(List.of(RollupTable.PHP_MINUTE, RollupTable.PHP_MINUTE_HISTOGRAM));
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
   * The hourly level: every rollup table again per hour ({@code <table>_hour}, keyed by {@code hour_ms}), filled
   * from the minutes already rolled up. Hour rows are sums (and maxima) of their minutes, so a read may take whole
   * hours from here and the partial edges from the minutes with the same result.
   */
  static List<String> hourTables() {
    List<String> statements = new ArrayList<>();
    for (RollupTable table : RollupTable.values()) {
      statements.addAll(create(table, true));
      List<String> keys = new ArrayList<>(List.of("project", "minute_ms / 3600000 * 3600000"));
      keys.addAll(table.keys());
      List<String> values = new ArrayList<>(keys);
      table.sums().forEach(c -> values.add("sum(" + c + ")"));
      table.maxes().forEach(c -> values.add("max(" + c + ")"));
      List<String> columns = new ArrayList<>(List.of("project", "hour_ms"));
      columns.addAll(table.keys());
      columns.addAll(columnsOf(table));
      statements.add("INSERT INTO " + hourTable(table) + " (" + String.join(", ", columns) + ") SELECT "
          + String.join(", ", values) + " FROM " + table.table() + " GROUP BY " + String.join(", ", keys));
    }
    return statements;
  }

  static String hourTable(RollupTable table) {
    return table.table() + "_hour";
  }

  static List<String> tables(List<RollupTable> tables) {
    List<String> statements = new ArrayList<>();
    for (RollupTable table : tables) {
      statements.addAll(create(table, false));
    }
    return statements;
  }

  private static List<String> create(RollupTable table, boolean hourly) {
    String time = hourly ? "hour_ms" : "minute_ms";
    StringBuilder create = new StringBuilder("CREATE TABLE ").append(hourly ? hourTable(table) : table.table())
        .append(" (project TEXT NOT NULL, ").append(time).append(" INTEGER NOT NULL");
    for (String key : table.keys()) {
      create.append(", ").append(key).append(key.equals("bucket") ? " INTEGER NOT NULL" : " TEXT NOT NULL");
    }
    for (String value : columnsOf(table)) {
      create.append(", ").append(value).append(" INTEGER NOT NULL");
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
    List<String> columns = new ArrayList<>(table.sums());
    columns.addAll(table.maxes());
    return columns;
  }

  private RollupSchema() {
  }
}
