package com.bitville.apm.listener.support;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The metrics registry of this node (this JVM): every verticle records into it, the management verticle
 * serves it as Prometheus text. Vert.x's own metrics (HTTP server, event bus) are recorded here as well.
 */
public final class NodeMetrics {

  private static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private NodeMetrics() {
  }

  public static MeterRegistry registry() {
    return REGISTRY;
  }

  public static String scrape() {
    return REGISTRY.scrape();
  }
}
