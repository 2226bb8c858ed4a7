package com.bitville.apm.listener.retention;

import com.bitville.apm.listener.support.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Retention figures on /metrics. The registry is per JVM (node) and so is this holder: gauges are bound once to
 * these fields, so a redeployed verticle keeps reporting into the same series.
 */
final class RetentionMetrics {

  static final AtomicLong LAST_RUN_END_MS = new AtomicLong();
  static final AtomicLong LAST_RUN_DURATION_MS = new AtomicLong();
  static final AtomicLong OLDEST_EVENT_TIME_MS = new AtomicLong();
  static final AtomicLong DATABASE_BYTES = new AtomicLong();
  static final AtomicLong FREE_PAGES = new AtomicLong();

  final Counter rowsDeleted;
  final Counter bytesReclaimed;
  final Counter expiredUnforwarded;
  final Counter runsOk;
  final Counter runsFailed;
  final Counter expiredUnrolled;

  RetentionMetrics() {
    MeterRegistry registry = NodeMetrics.registry();
    rowsDeleted = Counter.builder("bitville_retention_rows_deleted_total")
        .description("Records deleted by retention (their correlation links too)").register(registry);
    bytesReclaimed = Counter.builder("bitville_retention_bytes_reclaimed_total")
        .description("Bytes returned to the file system by incremental vacuum").register(registry);
    expiredUnforwarded = Counter.builder("bitville_retention_expired_unforwarded_total")
        .description("Records deleted before the GELF forwarder had sent them").register(registry);
    expiredUnrolled = Counter.builder("bitville_retention_expired_unrolled_total")
        .description("Records deleted before the rollup had reached them").register(registry);
    runsOk = Counter.builder("bitville_retention_runs_total").tag("result", "ok").register(registry);
    runsFailed = Counter.builder("bitville_retention_runs_total").tag("result", "failed").register(registry);
    Gauge.builder("bitville_retention_last_run_timestamp_seconds", LAST_RUN_END_MS, v -> v.get() / 1000.0)
        .description("End of the last retention run").register(registry);
    Gauge.builder("bitville_retention_last_run_duration_seconds", LAST_RUN_DURATION_MS, v -> v.get() / 1000.0)
        .register(registry);
    Gauge.builder("bitville_retention_oldest_record_timestamp_seconds", OLDEST_EVENT_TIME_MS, v -> v.get() / 1000.0)
        .description("Event time of the oldest stored record after the last run").register(registry);
    Gauge.builder("bitville_storage_database_bytes", DATABASE_BYTES, AtomicLong::doubleValue)
        .description("Database file plus WAL, as of the last retention run").register(registry);
    Gauge.builder("bitville_storage_free_pages", FREE_PAGES, AtomicLong::doubleValue)
        .description("Free pages in the database file (reused by inserts)").register(registry);
  }
}
