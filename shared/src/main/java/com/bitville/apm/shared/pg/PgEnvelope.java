package com.bitville.apm.shared.pg;

import io.vertx.core.json.JsonObject;

/**
 * The envelope every Postgres-side record travels in (wire protocol section 3):
 * {@code {"correlation_id": "" | "<uuid>", "project", "timestamp": <float seconds>, "source", "data": {...}}}.
 * {@code host} is an addition of our pg-agent: the database server's hostname, used as the GELF host.
 */
public record PgEnvelope(String correlationId, String project, double timestamp, String source, String host,
    JsonObject data) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("correlation_id", correlationId == null ? "" : correlationId)
        .put("project", project)
        .put("timestamp", timestamp)
        .put("source", source);
    if (host != null) {
      json.put("host", host);
    }
    return json.put("data", data);
  }
}
