package com.bitville.apm.shared.pg;

/** The {@code source} values of Postgres envelopes that the listener understands specially; others are stored as-is. */
public final class PgSources {

  public static final String ACTIVITY = "pg_stat_activity";
  public static final String STATEMENTS = "pg_stat_statements";
  public static final String LOCKS = "pg_locks";
  public static final String LOG = "pg_log";
  public static final String SYSTEM_METRICS = "system_metrics";
  /** The agent's own state: database unreachable (and why), recovered, or a heartbeat. */
  public static final String AGENT = "pg_agent";

  private PgSources() {
  }

  /**
   * The array under an envelope's {@code data} that holds one item per session, lock, log line or statement of
   * {@code source}; null for sources without one.
   */
  public static String itemsKey(String source) {
    return switch (source) {
      case ACTIVITY -> "sessions";
      case LOCKS -> "locks";
      case LOG -> "entries";
      case STATEMENTS -> "statements";
      default -> null;
    };
  }
}
