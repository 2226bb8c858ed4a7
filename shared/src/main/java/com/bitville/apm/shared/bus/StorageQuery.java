package com.bitville.apm.shared.bus;

import io.vertx.core.json.JsonObject;

/**
 * Message to {@link Addresses#STORAGE_QUERY}: a named read (or maintenance) operation with its parameters.
 * Names are defined in {@link QueryNames}; each documents its parameters and reply there.
 */
public record StorageQuery(String name, JsonObject params) {

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("params", params);
  }

  public static StorageQuery fromJson(JsonObject json) {
    JsonObject params = json.getJsonObject("params");
    return new StorageQuery(json.getString("name"), params == null ? new JsonObject() : params);
  }
}
