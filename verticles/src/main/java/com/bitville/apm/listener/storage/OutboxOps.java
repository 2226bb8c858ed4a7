package com.bitville.apm.listener.storage;

import com.bitville.apm.shared.bus.QueryNames;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.Map;

/**
 * The GELF forwarder's durable outbox: a cursor (last forwarded id), failures, and pages of records in id order.
 * Every write runs in {@code withTransaction}: vertx-jdbc-client 5.0.8 leaves a pooled connection with
 * autoCommit=false after its first transaction, so a bare statement on the writer would only be committed by
 * the next transaction (and lost at shutdown if none follows).
 */
final class OutboxOps implements QueryModule {

  static final int MAX_PAGE = 1_000;

  @Override
  public Map<String, QueryHandler> handlers(Database database) {
    return Map.of(
        QueryNames.GELF_CURSOR, params -> cursor(database),
        QueryNames.GELF_PAGE, params -> page(database, params),
        QueryNames.GELF_ADVANCE, params -> advance(database, params),
        QueryNames.GELF_FAIL, params -> fail(database, params));
  }

  private static Future<JsonObject> cursor(Database database) {
    var reader = database.reader();
    return reader.query(OutboxSql.CURSOR).execute().map(rows -> rows.iterator().next().getLong("forwarded_id"))
        .compose(cursor -> Future.all(reader.query(OutboxSql.MAX_ID).execute(),
                reader.preparedQuery(OutboxSql.BACKLOG).execute(Tuple.of(cursor)),
                reader.query(OutboxSql.FAILED).execute())
            .map(all -> new JsonObject().put("forwarded_id", cursor)
                .put("max_id", all.<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>resultAt(0).iterator().next()
                    .getLong("max_id"))
                .put("backlog", all.<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>resultAt(1).iterator().next()
                    .getLong("backlog"))
                .put("failed", all.<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>resultAt(2).iterator().next()
                    .getLong("failed"))));
  }

  private static Future<JsonObject> page(Database database, JsonObject params) {
    long after = params.getLong("after_id", 0L);
    int limit = params.getInteger("limit", 100);
    if (limit < 1 || limit > MAX_PAGE) {
      return Future.failedFuture(new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE));
    }
    return database.reader().preparedQuery(OutboxSql.PAGE).execute(Tuple.of(after, limit)).map(rows -> {
      JsonArray records = new JsonArray();
      rows.forEach(row -> records.add(RecordReads.toJson(row)));
      return new JsonObject().put("records", records);
    });
  }

  private static Future<JsonObject> advance(Database database, JsonObject params) {
    Long id = params.getLong("forwarded_id");
    if (id == null || id < 0) {
      return Future.failedFuture(new IllegalArgumentException("forwarded_id is required"));
    }
    return database.writer().withTransaction(connection -> connection.preparedQuery(OutboxSql.ADVANCE)
            .execute(Tuple.of(id, System.currentTimeMillis())))
        .map(v -> new JsonObject().put("forwarded_id", id));
  }

  private static Future<JsonObject> fail(Database database, JsonObject params) {
    Long id = params.getLong("record_id");
    if (id == null) {
      return Future.failedFuture(new IllegalArgumentException("record_id is required"));
    }
    String reason = String.valueOf(params.getString("reason", "unknown"));
    String cut = reason.length() > 500 ? reason.substring(0, 500) : reason;
    return database.writer().withTransaction(connection -> connection.preparedQuery(OutboxSql.FAIL)
            .execute(Tuple.of(id, System.currentTimeMillis(), cut)))
        .map(v -> new JsonObject().put("failed", id));
  }
}
