package com.bitville.apm.shared.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Published on {@link Addresses#RECORDS_STORED} after a commit: a light summary per record (no payload),
 * enough for the live view; the forwarder reads full records from storage by id.
 */
public record StoredEvent(String node, List<JsonObject> records) {

  public JsonObject toJson() {
    return new JsonObject().put("node", node).put("records", new JsonArray(new ArrayList<>(records)));
  }

  public static StoredEvent fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("records");
    List<JsonObject> records = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      records.add(array.getJsonObject(i));
    }
    return new StoredEvent(json.getString("node"), records);
  }
}
