package com.bitville.apm.listener.launcher;

import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.gelf.GelfForwarderVerticle;
import com.bitville.apm.listener.ingest.HttpIngestVerticle;
import com.bitville.apm.listener.management.ManagementVerticle;
import com.bitville.apm.listener.query.QueryServerVerticle;
import com.bitville.apm.listener.retention.RetentionVerticle;
import com.bitville.apm.listener.rollup.RollupVerticle;
import com.bitville.apm.listener.storage.StorageVerticle;
import com.bitville.apm.listener.udp.UdpIngestVerticle;
import io.vertx.core.Deployable;
import java.util.function.Supplier;

/** The factory of every {@link Component}: the switch is exhaustive, so a new component does not compile without. */
final class VerticleCatalog {

  private VerticleCatalog() {
  }

  static Supplier<? extends Deployable> factory(Component component) {
    return switch (component) {
      case STORAGE -> StorageVerticle::new;
      case MANAGEMENT -> ManagementVerticle::new;
      case HTTP_INGEST -> HttpIngestVerticle::new;
      case QUERY_SERVER -> QueryServerVerticle::new;
      case UDP_INGEST -> UdpIngestVerticle::new;
      case RETENTION -> RetentionVerticle::new;
      case GELF_FORWARDER -> GelfForwarderVerticle::new;
      case ROLLUP -> RollupVerticle::new;
    };
  }
}
