package com.bitville.apm.listener.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * One named operation served on the storage query address. Implementations are grouped by concern in
 * classes that implement {@link QueryModule}; a failed future with an {@link IllegalArgumentException}
 * is answered as BAD_REQUEST, anything else as UNAVAILABLE.
 */
@FunctionalInterface
public interface QueryHandler {

  Future<JsonObject> handle(JsonObject params);
}
