package com.bitville.apm.listener.storage;

import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.model.SqlCall;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** Writes one group of records, with their child rows and the id counter, in a single transaction. */
final class RecordWriter {

  /** A record with the id the single writer assigned to it. */
  record Numbered(long id, IngestRecord record) {
  }

  private final Database database;
  private final String node;

  RecordWriter(Database database, String node) {
    this.database = database;
    this.node = node;
  }

  Future<Long> readNextId() {
    return database.writer().query(RecordSql.NEXT_ID).execute()
        .map(rows -> rows.iterator().next().getLong("next_id"));
  }

  Future<Void> write(List<Numbered> batch, long nextId) {
    return database.writer().withTransaction(connection -> batchInsert(connection, RecordSql.INSERT_RECORD,
        recordRows(batch))
        .compose(v -> batchInsert(connection, RecordSql.INSERT_LINK, linkRows(batch)))
        .compose(v -> batchInsert(connection, RecordSql.INSERT_FUNCTION, functionRows(batch)))
        .compose(v -> batchInsert(connection, RecordSql.INSERT_SQL_TEXT, sqlTextRows(batch)))
        .compose(v -> batchInsert(connection, RecordSql.INSERT_SQL, sqlRows(batch)))
        .compose(v -> connection.preparedQuery(RecordSql.SAVE_NEXT_ID).execute(Tuple.of(nextId)))
        .mapEmpty());
  }

  private static Future<Void> batchInsert(SqlConnection connection, String sql, List<Tuple> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    return connection.preparedQuery(sql).executeBatch(rows).mapEmpty();
  }

  private List<Tuple> recordRows(List<Numbered> batch) {
    List<Tuple> rows = new ArrayList<>(batch.size());
    for (Numbered numbered : batch) {
      IngestRecord r = numbered.record();
      rows.add(Tuple.tuple().addLong(numbered.id()).addString(r.project()).addString(r.kind().wireName())
          .addString(r.source()).addString(r.correlationId()).addLong(r.eventTimeMs()).addLong(r.receivedAtMs())
          .addInteger(r.eventTimeEstimated() ? 1 : 0).addDouble(r.durationMs()).addString(r.route())
          .addString(r.url()).addString(r.method()).addInteger(r.status()).addString(r.host())
          .addInteger(r.sqlCount()).addDouble(r.sqlTimeMs()).addLong(r.memoryPeakBytes())
          .addInteger(r.fatal() ? 1 : 0).addString(r.summary()).addString(node)
          .addValue(r.payload()));
    }
    return rows;
  }

  private static List<Tuple> linkRows(List<Numbered> batch) {
    List<Tuple> rows = new ArrayList<>();
    for (Numbered numbered : batch) {
      for (String correlationId : numbered.record().correlationIds()) {
        rows.add(Tuple.of(correlationId, numbered.id()));
      }
    }
    return rows;
  }

  private static List<Tuple> functionRows(List<Numbered> batch) {
    List<Tuple> rows = new ArrayList<>();
    for (Numbered numbered : batch) {
      for (FunctionCall call : numbered.record().functions()) {
        rows.add(Tuple.of(numbered.id(), call.name(), call.calls(), call.wallUs()));
      }
    }
    return rows;
  }

  private static List<Tuple> sqlTextRows(List<Numbered> batch) {
    List<Tuple> rows = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Numbered numbered : batch) {
      for (SqlCall call : numbered.record().queries()) {
        if (seen.add(call.fingerprint())) {
          rows.add(Tuple.of(call.fingerprint(), call.normalized()));
        }
      }
    }
    return rows;
  }

  private static List<Tuple> sqlRows(List<Numbered> batch) {
    List<Tuple> rows = new ArrayList<>();
    for (Numbered numbered : batch) {
      for (SqlCall call : numbered.record().queries()) {
        rows.add(Tuple.of(numbered.id(), call.seq(), call.fingerprint(), call.timeMs()));
      }
    }
    return rows;
  }
}
