package com.bitville.apm.listener.analysis;

import java.util.List;

/**
 * The per-minute rollup tables: for each, the key columns (always starting with project and minute) and the
 * value columns that a new batch adds to ({@code sums}) or raises ({@code maxes}). One description serves the
 * migration, the upsert and the batch that travels from the rollup verticle to storage. Every value is a whole
 * number: times in microseconds ({@code _us}), host metrics in thousandths ({@code _milli}), the rest counts; so
 * sums stay exact (SQLite REAL would come back through JDBC with float precision).
 */
public enum RollupTable {
  PHP("rollup_php", List.of("route", "host"), List.of("count", "total_us", "sql_us", "fatal"), List.of("max_us")),
  PHP_HISTOGRAM("rollup_php_hist", List.of("route", "bucket"), List.of("count"), List.of()),
  FUNCTION("rollup_function", List.of("name"), List.of("calls", "self_us", "wall_us", "requests"), List.of()),
  SQL("rollup_sql", List.of("fingerprint"), List.of("count", "total_us", "requests"), List.of("max_us")),
  DB_WAIT("rollup_db_wait", List.of("wait_event"), List.of("samples"), List.of()),
  DB_STATEMENT("rollup_db_statement", List.of("queryid"), List.of("calls", "total_us", "rows"), List.of()),
  LOCK("rollup_lock", List.of("blocking_query", "blocking_correlation_id"), List.of("waiter_samples", "wait_us"),
      List.of("max_waiters")),
  LOG("rollup_log", List.of("category"), List.of("count"), List.of()),
  /** XHProf edges as the agent sent them (caller==>callee, inclusive wall time): a window's flame graph. */
  EDGE("rollup_edge", List.of("edge"), List.of("calls", "wall_us", "requests"), List.of()),
  /**
   * One row per project and minute, everything the overview reads: the PHP requests of all routes and hosts with
   * their duration histogram (a JSON object bucket -> count, merged on every add), the database sessions sampled
   * and the host metrics.
   */
  OVERVIEW("rollup_overview", List.of(), List.of("count", "total_us", "sql_us", "fatal", "samples", "active",
      "idle_in_tx", "waiting", "blocked", "host_samples", "load_milli", "cpu_milli", "iowait_milli"),
      List.of("max_us"), true);

  /** The histogram column of a table that has one: JSON {"bucket": count, ...}. */
  public static final String HISTOGRAM_COLUMN = "hist";

  private final String table;
  private final List<String> keys;
  private final List<String> sums;
  private final List<String> maxes;
  private final boolean histogram;

  RollupTable(String table, List<String> keys, List<String> sums, List<String> maxes) {
    this(table, keys, sums, maxes, false);
  }

  RollupTable(String table, List<String> keys, List<String> sums, List<String> maxes, boolean histogram) {
    this.table = table;
    this.keys = keys;
    this.sums = sums;
    this.maxes = maxes;
    this.histogram = histogram;
  }

  public String table() {
    return table;
  }

  /** Key columns after project and minute_ms. */
  public List<String> keys() {
    return keys;
  }

  public List<String> sums() {
    return sums;
  }

  public List<String> maxes() {
    return maxes;
  }

  /** Whether the row also has a duration histogram, column {@link #HISTOGRAM_COLUMN}. */
  public boolean histogram() {
    return histogram;
  }

  public int valueCount() {
    return sums.size() + maxes.size();
  }
}
