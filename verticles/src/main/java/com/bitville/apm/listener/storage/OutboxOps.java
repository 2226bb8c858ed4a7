package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.storage.api.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The GELF forwarder's durable outbox: a cursor (last forwarded id), failures, and pages of records in id order.
 * Every write runs in {@code withTransaction}: vertx-jdbc-client 5.0.8 leaves a pooled connection with
 * autoCommit=false after its first transaction, so a bare statement on the writer would only be committed by
 * the next transaction (and lost at shutdown if none follows).
 */
final class OutboxOps implements OutboxStore {

  private final Database database;

  OutboxOps(Database database) {
    this.database = database;
  }

  @Override
  public Future<Cursor> cursor() {
    var reader = database.reader();
    return reader.query(OutboxSql.CURSOR).execute().map(rows -> rows.iterator().next().getLong("forwarded_id"))
        .compose(cursor -> Future.all(reader.query(OutboxSql.MAX_ID).execute(),
                reader.preparedQuery(OutboxSql.BACKLOG).execute(Tuple.of(cursor)),
                reader.query(OutboxSql.FAILED).execute())
            .map(all -> new Cursor(cursor, first(all.resultAt(0), "max_id"), first(all.resultAt(1), "backlog"),
                first(all.resultAt(2), "failed"))));
  }

  private static long first(RowSet<Row> rows, String column) {
    Long value = rows.iterator().next().getLong(column);
    return value == null ? 0 : value;
  }

  @Override
  public Future<Page> page(PageRequest request) {
    int limit = request.limit();
    if (limit < 1 || limit > MAX_PAGE) {
      return Future.failedFuture(new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE));
    }
    return database.reader().preparedQuery(OutboxSql.PAGE).execute(Tuple.of(request.afterId(), limit)).map(rows -> {
      List<JsonObject> records = new ArrayList<>(rows.size());
      rows.forEach(row -> records.add(RecordReads.toJson(row)));
      return new Page(records);
    });
  }

  @Override
  public Future<Long> advance(Long id) {
    if (id == null || id < 0) {
      return Future.failedFuture(new IllegalArgumentException("forwarded_id is required"));
    }
    return database.writer().withTransaction(connection -> connection.preparedQuery(OutboxSql.ADVANCE)
            .execute(Tuple.of(id, System.currentTimeMillis())))
        .map(v -> id);
  }

  @Override
  public Future<Long> fail(Failure failure) {
    String reason = String.valueOf(failure.reason());
    String cut = reason.length() > 500 ? reason.substring(0, 500) : reason;
    return database.writer().withTransaction(connection -> connection.preparedQuery(OutboxSql.FAIL)
            .execute(Tuple.of(failure.recordId(), System.currentTimeMillis(), cut)))
        .map(v -> failure.recordId());
  }
}
