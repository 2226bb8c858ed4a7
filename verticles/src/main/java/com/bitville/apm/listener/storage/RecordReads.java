package com.bitville.apm.listener.storage;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;

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

  /**
   * Rows of a plain JDBC result the same way: integers as Long (as the pooled client gives them), reals as Double,
   * texts as String, blobs as binary.
   */
  static JsonArray toJson(ResultSet rows) throws SQLException {
    ResultSetMetaData meta = rows.getMetaData();
    int columns = meta.getColumnCount();
    String[] names = new String[columns];
    for (int i = 0; i < columns; i++) {
      names[i] = meta.getColumnLabel(i + 1);
    }
    JsonArray list = new JsonArray();
    while (rows.next()) {
      JsonObject json = new JsonObject();
      for (int i = 0; i < columns; i++) {
        Object value = rows.getObject(i + 1);
        json.put(names[i], value instanceof Integer number ? Long.valueOf(number) : value);
      }
      list.add(json);
    }
    return list;
  }
}
