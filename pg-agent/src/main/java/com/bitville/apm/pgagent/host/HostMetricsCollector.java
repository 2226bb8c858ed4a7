package com.bitville.apm.pgagent.host;

import com.bitville.apm.pgagent.collect.Collector;
import com.bitville.apm.pgagent.collect.EnvelopeFactory;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.shared.pg.PgEnvelope;
import com.bitville.apm.shared.pg.PgSources;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * system_metrics from /proc as rates between consecutive samples; the first sample only sets the baseline.
 * Disk space is reported for the configured paths, or for / and the directories the log collector discovered.
 */
public final class HostMetricsCollector implements Collector {

  private final Vertx vertx;
  private final AgentConfig.Host config;
  private final EnvelopeFactory envelopes;
  private final Supplier<List<String>> discoveredPaths;
  private ProcSnapshot previous;

  public HostMetricsCollector(Vertx vertx, AgentConfig.Host config, EnvelopeFactory envelopes,
      Supplier<List<String>> discoveredPaths) {
    this.vertx = vertx;
    this.config = config;
    this.envelopes = envelopes;
    this.discoveredPaths = discoveredPaths;
  }

  @Override
  public String name() {
    return "host";
  }

  @Override
  public long intervalMs() {
    return config.intervalMs();
  }

  @Override
  public Future<List<PgEnvelope>> sample() {
    // statfs and /proc reads are blocking system calls: keep them off the event loop
    return vertx.executeBlocking(() -> compare(ProcSnapshot.read(config.procRoot())));
  }

  private List<PgEnvelope> compare(ProcSnapshot now) {
    ProcSnapshot before = previous;
    previous = now;
    if (before == null) {
      return List.of();
    }
    return List.of(envelopes.envelope(PgSources.SYSTEM_METRICS, HostMetrics.between(before, now, diskPaths())));
  }

  private List<String> diskPaths() {
    if (!config.diskPaths().isEmpty()) {
      return config.diskPaths();
    }
    LinkedHashSet<String> paths = new LinkedHashSet<>();
    paths.add("/");
    paths.addAll(discoveredPaths.get());
    return new ArrayList<>(paths);
  }
}
