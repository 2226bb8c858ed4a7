package com.bitville.apm.listener.gelf;

import com.bitville.apm.listener.support.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/** Forwarder figures on /metrics; gauges bound once per JVM (node) to these fields, like retention's. */
final class ForwarderMetrics {

  static final AtomicLong BACKLOG = new AtomicLong();
  static final AtomicLong FORWARDED_ID = new AtomicLong();
  /** 0 closed, 1 half-open, 2 open, -1 disabled. */
  static final AtomicLong CIRCUIT = new AtomicLong(-1);
  static final AtomicLong CONNECTED = new AtomicLong();

  final Counter forwarded;
  final Counter failed;
  final Counter reconnects;
  final Counter rewinds;
  final Counter resent;

  ForwarderMetrics() {
    MeterRegistry registry = NodeMetrics.registry();
    forwarded = Counter.builder("bitville_gelf_forwarded_total")
        .description("Records confirmed forwarded to Graylog (cursor advanced past them)").register(registry);
    failed = Counter.builder("bitville_gelf_failed_total")
        .description("Records that can never be sent (marked failed in gelf_failures)").register(registry);
    reconnects = Counter.builder("bitville_gelf_connects_total").description("Connections opened to Graylog")
        .register(registry);
    rewinds = Counter.builder("bitville_gelf_rewinds_total")
        .description("Connections lost with unconfirmed records, which are sent again").register(registry);
    resent = Counter.builder("bitville_gelf_resent_total")
        .description("Records sent again after a lost connection although confirmed before (same _record_id)")
        .register(registry);
    Gauge.builder("bitville_gelf_backlog_records", BACKLOG, AtomicLong::doubleValue)
        .description("Stored records not yet forwarded").register(registry);
    Gauge.builder("bitville_gelf_forwarded_id", FORWARDED_ID, AtomicLong::doubleValue)
        .description("Highest record id confirmed forwarded (the durable cursor trails it by graylog.resendWindowMs)").register(registry);
    Gauge.builder("bitville_gelf_circuit_state", CIRCUIT, AtomicLong::doubleValue)
        .description("Circuit breaker around the Graylog connection: 0 closed, 1 half-open, 2 open, -1 disabled")
        .register(registry);
    Gauge.builder("bitville_gelf_connected", CONNECTED, AtomicLong::doubleValue).register(registry);
  }
}
