package com.bitville.apm.shared.php;

import java.util.List;

/**
 * The paths of a PHP payload that ingest reads (the normalizer and the shape checks of {@link PhpProfile}),
 * defined once: the sparse reader builds exactly the containers on these paths ({@link PhpSparseReader}), and
 * the test that proves the sparse read invisible mutates each of them. {@code a.b} is key {@code b} of object
 * {@code a}; {@code a[].b} is key {@code b} of the objects in array {@code a}, of which only the listed keys are
 * read. An object on a path keeps all its scalar values; a container at the end of a path is only type-checked.
 */
public final class PhpFields {

  public static final List<String> READ_AT_INGEST = List.of(
      "correlation_id", "timestamp", "elapsed_ms", "fatal_error",
      "timing", "timing.duration_ms",
      "request", "request.url", "request.method", "request.server", "request.server.server_name",
      "response", "response.status_code",
      "server", "server.hostname",
      "sql", "sql.queries", "sql.queries[].time_ms", "sql.queries[].duration_ms", "sql.summary",
      "sql.summary.total_queries", "sql.total_time_ms",
      "xhprof", "xhprof.profiling", "xhprof.profiling.top_functions", "xhprof.memory", "xhprof.memory.peak_usage");

  /**
   * What {@link PhpProfile#of} reads: the XHProf summary (or the older raw edges, any key under {@code xhprof}) and
   * each SQL statement's text and time, not its stack. The rollup reads stored payloads with only these
   * ({@link PhpSparseReader#readProfile}); {@code *} stands for any key.
   */
  public static final List<String> READ_FOR_PROFILE = List.of(
      "xhprof.profiling.top_functions[].name", "xhprof.profiling.top_functions[].wall_time_us",
      "xhprof.profiling.top_functions[].wall_time_ms", "xhprof.profiling.top_functions[].calls",
      "xhprof.*.ct",
      "sql.queries[].sql", "sql.queries[].query", "sql.queries[].time_ms", "sql.queries[].duration_ms");

  private PhpFields() {
  }

  /** The paths that address one value of the payload (no array items): what a test can replace. */
  public static List<String> valuePaths() {
    return READ_AT_INGEST.stream().filter(path -> !path.contains("[]")).toList();
  }
}
