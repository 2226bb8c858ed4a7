package com.bitville.apm.listener.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Ingest counters: requests by endpoint and status, records accepted, rejections by reason, latency. */
final class IngestMetrics {

  private static final AtomicReference<BodyBudget> NODE_BODY_BUDGET = new AtomicReference<>();

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final Timer latency;
  private final Counter acceptedRecords;
  private final Counter duplicateRecords;

  IngestMetrics(MeterRegistry registry, BodyBudget bodyBudget) {
    this.registry = registry;
    // The registry lives as long as the JVM; the gauge follows the budget of the node started last in it.
    NODE_BODY_BUDGET.set(bodyBudget);
    Gauge.builder("bitville_ingest_body_memory_bytes", NODE_BODY_BUDGET, budget -> budget.get().usedBytes())
        .description("Bytes of request bodies held in memory on this node").strongReference(true).register(registry);
    this.latency = Timer.builder("bitville_ingest_request_seconds").description("Ingest request latency")
        .publishPercentiles(0.5, 0.99).register(registry);
    this.acceptedRecords = Counter.builder("bitville_ingest_records_accepted_total")
        .description("Records committed for ingest requests").register(registry);
    this.duplicateRecords = Counter.builder("bitville_ingest_records_duplicate_total")
        .description("PHP requests accepted but not stored again: already stored under the same correlation id")
        .register(registry);
  }

  void request(String endpoint, int status, long startedNanos) {
    counters.computeIfAbsent("req|" + endpoint + "|" + status, k -> Counter.builder("bitville_ingest_requests_total")
        .description("Ingest requests by endpoint and status").tag("endpoint", endpoint)
        .tag("status", String.valueOf(status)).register(registry)).increment();
    latency.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
  }

  void rejected(String reason, int count) {
    counters.computeIfAbsent("rej|" + reason, k -> Counter.builder("bitville_ingest_rejected_total")
        .description("Requests or items refused, by reason").tag("reason", reason).register(registry))
        .increment(count);
  }

  void accepted(int records, int duplicates) {
    acceptedRecords.increment(records - duplicates);
    duplicateRecords.increment(duplicates);
  }
}
