package com.bitville.apm.pgagent.collect;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Maps the columns of whatever pg_stat_statements version is installed (1.7 on PostgreSQL 12 to 1.11 on 17) to one
 * set of canonical names: {@code total_time} became {@code total_exec_time} in 1.8, {@code toplevel} came in 1.9,
 * {@code blk_read_time} split into shared/local in 1.11. Columns a version lacks read as 0 (or are left out).
 */
public final class StatementColumns {

  /** Cumulative counters: sent as the difference between two samples. */
  public static final List<String> COUNTERS = List.of("calls", "total_exec_time", "total_plan_time", "rows",
      "shared_blks_hit", "shared_blks_read", "shared_blks_dirtied", "shared_blks_written", "local_blks_hit",
      "local_blks_read", "local_blks_dirtied", "local_blks_written", "temp_blks_read", "temp_blks_written",
      "blk_read_time", "blk_write_time");

  /** Values that cannot be differenced: sent as they are (they cover the entry's life since its last reset). */
  public static final List<String> GAUGES = List.of("min_exec_time", "max_exec_time", "stddev_exec_time");

  private final Map<String, String> expressions = new LinkedHashMap<>();
  private final boolean toplevel;

  private StatementColumns(Set<String> present) {
    toplevel = present.contains("toplevel");
    for (String name : COUNTERS) {
      expressions.put(name, expression(name, present));
    }
    for (String name : GAUGES) {
      expressions.put(name, expression(name, present));
    }
  }

  public static StatementColumns of(Set<String> presentColumns) {
    return new StatementColumns(presentColumns);
  }

  public boolean hasToplevel() {
    return toplevel;
  }

  /** The counters query; {@code pg_stat_statements(false)} skips reading the query-text file on every sample. */
  public String countersSql(String schema) {
    String values = expressions.entrySet().stream()
        .map(e -> e.getValue() + " AS " + e.getKey())
        .collect(Collectors.joining(",\n       "));
    return "/* bitville-pg-agent:statements */\nSELECT s.queryid::text AS queryid, s.userid::text AS userid, "
        + "s.dbid::text AS dbid, " + (toplevel ? "s.toplevel" : "true") + " AS toplevel, "
        + "s.userid::regrole::text AS username, d.datname::text AS datname,\n       " + values
        + "\n  FROM " + quote(schema) + ".pg_stat_statements(false) s"
        + " LEFT JOIN pg_database d ON d.oid = s.dbid WHERE s.queryid IS NOT NULL";
  }

  public String textsSql(String schema) {
    return "/* bitville-pg-agent:statement-texts */\nSELECT queryid::text AS queryid, left(query, $1) AS query FROM "
        + quote(schema) + ".pg_stat_statements(true) WHERE queryid = ANY($2::bigint[])";
  }

  private static String expression(String name, Set<String> present) {
    if (present.contains(name)) {
      return "coalesce(s." + name + ", 0)::float8";
    }
    String legacy = name.replace("_exec_time", "_time");
    if (name.endsWith("_exec_time") && present.contains(legacy)) {
      return "coalesce(s." + legacy + ", 0)::float8";
    }
    if (name.startsWith("blk_") && present.contains("shared_" + name)) {
      String local = present.contains("local_" + name) ? " + coalesce(s.local_" + name + ", 0)" : "";
      return "(coalesce(s.shared_" + name + ", 0)" + local + ")::float8";
    }
    return "0::float8";
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
