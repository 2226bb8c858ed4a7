package com.bitville.apm.pgagent.collect;

import com.bitville.apm.shared.normalize.CorrelationIds;
import com.bitville.apm.shared.pg.PgEnvelope;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** Wraps collector data in the wire envelope with this agent's project and host. */
public final class EnvelopeFactory {

  private final String project;
  private final String host;

  public EnvelopeFactory(String project, String host) {
    this.project = project;
    this.host = host;
  }

  /**
   * The envelope's own correlation_id is set when the data refers to exactly one PHP request, so that simple
   * consumers link it without looking inside; with several ids it stays empty and the listener finds them in data.
   */
  public PgEnvelope envelope(String source, JsonObject data) {
    Set<String> ids = CorrelationIds.findAll(data);
    String correlationId = ids.size() == 1 ? ids.iterator().next() : "";
    return new PgEnvelope(correlationId, project, System.currentTimeMillis() / 1000.0, source, host, data);
  }
}
