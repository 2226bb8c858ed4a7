package com.bitville.apm.listener.storage;

import com.bitville.apm.shared.bus.QueryNames;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Map;

/** Basic reads: full records by id (payload still compressed: callers inflate it off the storage loop), stats. */
final class RecordReads implements QueryModule {

  static final int MAX_IDS = 1000;

  @Override
  public Map<String, QueryHandler> handlers(Database database) {
    return Map.of(
        QueryNames.RECORDS_BY_ID, params -> byId(database, params),
        QueryNames.STATS, params -> stats(database, params));
  }

  private static Future<JsonObject> byId(Database database, JsonObject params) {
    JsonArray ids = params.getJsonArray("ids");
    if (ids == null || ids.isEmpty() || ids.size() > MAX_IDS) {
      return Future.failedFuture(new IllegalArgumentException("ids must hold 1 to " + MAX_IDS + " ids"));
    }
    String marks = "?,".repeat(ids.size());
    String sql = "SELECT " + RecordSql.COLUMNS + ", payload FROM records WHERE id IN ("
        + marks.substring(0, marks.length() - 1) + ") ORDER BY id";
    return database.reader().preparedQuery(sql).execute(Tuple.wrap(ids.getList()))
        .map(rows -> {
          JsonArray records = new JsonArray();
          rows.forEach(row -> records.add(toJson(row)));
          return new JsonObject().put("records", records);
        });
  }

  private static Future<JsonObject> stats(Database database, JsonObject params) {
    String project = params.getString("project");
    var query = project == null
        ? database.reader().preparedQuery(RecordSql.STATS).execute()
        : database.reader().preparedQuery(RecordSql.STATS_FOR_PROJECT).execute(Tuple.of(project));
    return query.map(rows -> {
      Row row = rows.iterator().next();
      return new JsonObject().put("count", row.getLong("count"))
          .put("oldest_event_time_ms", row.getLong("oldest_event_time_ms"))
          .put("max_id", row.getLong("max_id"));
    });
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
