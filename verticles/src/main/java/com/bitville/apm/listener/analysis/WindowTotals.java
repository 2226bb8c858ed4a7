package com.bitville.apm.listener.analysis;

import java.util.List;

/**
 * The rollups of one project summed over a time range [fromMs, toMs): what storage reads for a window and for
 * its baseline. Times in ms (function times converted from the XHProf microseconds).
 */
public record WindowTotals(long fromMs, long toMs, List<RouteRow> routes, List<HostRow> hosts,
    List<FunctionRow> functions, List<SqlRow> sql, List<StatementRow> statements, List<LockRow> locks,
    List<LogRow> logs, DbRow db) {

  /** @param p95Ms from the route's log-bucket histogram (upper bound of the bucket) */
  public record RouteRow(String route, long count, double totalMs, double maxMs, double p95Ms) {
  }

  public record HostRow(String host, long count, double totalMs) {
  }

  public record FunctionRow(String name, long calls, double selfMs, double wallMs, long requests) {
  }

  public record SqlRow(String fingerprint, String normalized, long count, double totalMs, long requests) {
  }

  public record StatementRow(String queryId, String query, long calls, double totalMs) {
  }

  /** @param waitMs sampled waiting time: each waiter seen in a sample counts for the sampling interval */
  public record LockRow(String blockingQuery, String blockingCorrelationId, long waiterSamples, double waitMs,
      long maxWaiters) {
  }

  public record LogRow(String category, long count) {
  }

  /** Sums over the range: session samples and counts, host metric samples and sums. */
  public record DbRow(double samples, double active, double idleInTx, double waiting, double blocked,
      double hostSamples, double loadSum, double cpuSum, double iowaitSum) {
    public static final DbRow EMPTY = new DbRow(0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  public long lengthMs() {
    return toMs - fromMs;
  }
}
