package com.bitville.apm.listener.storage;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** Stored records as the read services answer them: one object per row, the payload still compressed. */
final class RecordReads {

  private RecordReads() {
  }

  /** A records row as JSON, with column names as keys and the compressed payload as binary. */
  static JsonObject toJson(Row row) {
    JsonObject json = new JsonObject();
    for (int i = 0; i < row.size(); i++) {
      String column = row.getColumnName(i);
      Object value = row.getValue(i);
      if (value instanceof Buffer buffer) {
        json.put(column, buffer.getBytes());
      } else if (value instanceof byte[] bytes) {
        json.put(column, bytes);
      } else {
        json.put(column, value);
      }
    }
    return json;
  }
}
