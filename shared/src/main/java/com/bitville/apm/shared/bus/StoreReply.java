package com.bitville.apm.shared.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reply of {@link Addresses#STORAGE_WRITE}: the row ids, in the order of the request's records, all committed.
 * {@code duplicates} (same order) is true where the record was already stored (a PHP request with the same
 * project and correlation id): its id is the stored record's, and nothing was written for it.
 */
public record StoreReply(List<Long> ids, List<Boolean> duplicates) {

  public StoreReply {
    if (duplicates.size() != ids.size()) {
      throw new IllegalArgumentException("one duplicate flag per id");
    }
  }

  /** A reply where every record was new. */
  public StoreReply(List<Long> ids) {
    this(ids, Collections.nCopies(ids.size(), Boolean.FALSE));
  }

  public JsonObject toJson() {
    return new JsonObject().put("ids", new JsonArray(new ArrayList<>(ids)))
        .put("duplicates", new JsonArray(new ArrayList<>(duplicates)));
  }

  public static StoreReply fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("ids");
    JsonArray flags = json.getJsonArray("duplicates");
    List<Long> ids = new ArrayList<>(array.size());
    List<Boolean> duplicates = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      ids.add(array.getLong(i));
      duplicates.add(flags != null && flags.getBoolean(i));
    }
    return new StoreReply(ids, duplicates);
  }

  public int duplicateCount() {
    return (int) duplicates.stream().filter(Boolean::booleanValue).count();
  }
}
