package com.bitville.apm.shared.bus;

import com.bitville.apm.shared.model.IngestRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Message to {@link Addresses#STORAGE_WRITE}: records to commit together with the others queued at that moment. */
public record StoreRequest(List<IngestRecord> records) {

  public JsonObject toJson() {
    JsonArray array = new JsonArray();
    records.forEach(r -> array.add(r.toJson()));
    return new JsonObject().put("records", array);
  }

  public static StoreRequest fromJson(JsonObject json) {
    JsonArray array = json.getJsonArray("records");
    List<IngestRecord> records = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      records.add(IngestRecord.fromJson(array.getJsonObject(i)));
    }
    return new StoreRequest(records);
  }
}
