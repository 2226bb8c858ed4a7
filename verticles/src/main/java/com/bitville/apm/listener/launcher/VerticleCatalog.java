package com.bitville.apm.listener.launcher;

import com.bitville.apm.listener.config.DeploymentPlan;
import com.bitville.apm.listener.ingest.HttpIngestVerticle;
import com.bitville.apm.listener.management.ManagementVerticle;
import com.bitville.apm.listener.storage.StorageVerticle;
import io.vertx.core.Deployable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every verticle the listener can run, by the name used under {@code "verticles"} in the configuration,
 * in deployment order: storage first (so that ingest can commit from its first request), servers last.
 */
final class VerticleCatalog {

  static final Map<String, Supplier<? extends Deployable>> VERTICLES = new LinkedHashMap<>();

  static {
    VERTICLES.put(DeploymentPlan.STORAGE, StorageVerticle::new);
    VERTICLES.put(DeploymentPlan.MANAGEMENT, ManagementVerticle::new);
    VERTICLES.put(DeploymentPlan.HTTP_INGEST, HttpIngestVerticle::new);
    VERTICLES.put("query-server", com.bitville.apm.listener.query.QueryServerVerticle::new);
    VERTICLES.put("udp-ingest", com.bitville.apm.listener.udp.UdpIngestVerticle::new);
    VERTICLES.put("retention", com.bitville.apm.listener.retention.RetentionVerticle::new);
    VERTICLES.put("gelf-forwarder", com.bitville.apm.listener.gelf.GelfForwarderVerticle::new);
    VERTICLES.put("rollup", com.bitville.apm.listener.rollup.RollupVerticle::new);
  }

  private VerticleCatalog() {
  }
}
