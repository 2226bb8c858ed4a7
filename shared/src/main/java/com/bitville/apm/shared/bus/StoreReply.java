package com.bitville.apm.shared.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Reply of {@link Addresses#STORAGE_WRITE}: the row ids, in the order of the request's records, all committed. */
public record StoreReply(List<Long> ids) {

  public JsonObject toJson() {
    return new JsonObject().put("ids", new JsonArray(new ArrayList<>(ids)));
  }

  public static StoreReply fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("ids");
    List<Long> ids = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      ids.add(array.getLong(i));
    }
    return new StoreReply(ids);
  }
}
