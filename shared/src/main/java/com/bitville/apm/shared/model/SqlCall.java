package com.bitville.apm.shared.model;

import io.vertx.core.json.JsonObject;

/**
 * One SQL statement a PHP request ran: its position, the fingerprint of its normalized text (groups the
 * same statement with other literals, for N+1 detection and cross-request aggregation) and its time.
 */
public record SqlCall(int seq, String fingerprint, String normalized, double timeMs) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("seq", seq)
        .put("fingerprint", fingerprint)
        .put("normalized", normalized)
        .put("time_ms", timeMs);
  }
}
