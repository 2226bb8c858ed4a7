package com.bitville.apm.listener.storage;

import com.bitville.apm.shared.bus.QueryNames;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Retention's storage operations. Each write is one short transaction on the single writer connection (always
 * {@code withTransaction}, see {@code OutboxOps} on why), so it queues behind (and ahead of) group commits like
 * any other write: ingest waits at most one small batch. The WAL checkpoint runs on a read connection, which is
 * always in autocommit mode and so free to checkpoint.
 */
final class RetentionOps implements QueryModule {

  static final int MAX_BATCH = 5_000;
  static final int MAX_VACUUM_PAGES = 100_000;

  @Override
  public Map<String, QueryHandler> handlers(Database database) {
    return Map.of(
        QueryNames.RETENTION_DELETE_EXPIRED, params -> deleteExpired(database, params),
        QueryNames.RETENTION_DELETE_OLDEST, params -> deleteOldest(database, params),
        QueryNames.RETENTION_VACUUM, params -> vacuum(database, params),
        QueryNames.RETENTION_FILE_STATS, params -> fileStats(database));
  }

  private static Future<JsonObject> deleteExpired(Database database, JsonObject params) {
    int limit = limit(params);
    Long before = params.getLong("before_ms");
    if (before == null) {
      return Future.failedFuture(new IllegalArgumentException("before_ms is required"));
    }
    String project = params.getString("project");
    JsonArray excluded = params.getJsonArray("exclude_projects", new JsonArray());
    String sql;
    Tuple tuple;
    if (project != null) {
      sql = RetentionSql.EXPIRED_OF_PROJECT;
      tuple = Tuple.of(project, before, limit);
    } else {
      sql = RetentionSql.EXPIRED + (excluded.isEmpty() ? "" : " AND project NOT IN " + marks(excluded.size()))
          + RetentionSql.EXPIRED_ORDER;
      tuple = Tuple.tuple().addLong(before);
      excluded.forEach(name -> tuple.addString(String.valueOf(name)));
      tuple.addInteger(limit);
    }
    return deleteSelected(database, sql, tuple, params.getBoolean("count_unforwarded", false));
  }

  private static Future<JsonObject> deleteOldest(Database database, JsonObject params) {
    return deleteSelected(database, RetentionSql.OLDEST, Tuple.of(limit(params)),
        params.getBoolean("count_unforwarded", false));
  }

  private static int limit(JsonObject params) {
    int limit = params.getInteger("limit", 500);
    if (limit < 1 || limit > MAX_BATCH) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_BATCH);
    }
    return limit;
  }

  /**
   * The batch is chosen on a read connection and the write transaction starts with a delete. A transaction
   * that reads first and writes later is refused at once (SQLITE_BUSY, no busy wait) when the group commit
   * wrote in between, because its snapshot is stale; one that writes first waits for the lock like any write.
   */
  private static Future<JsonObject> deleteSelected(Database database, String select, Tuple tuple,
      boolean countUnforwarded) {
    return database.reader().preparedQuery(select).execute(tuple).compose(rows -> {
      List<Long> ids = new ArrayList<>();
      Long oldest = null;
      for (Row row : rows) {
        ids.add(row.getLong("id"));
        oldest = oldest == null ? row.getLong("event_time_ms") : Math.min(oldest, row.getLong("event_time_ms"));
      }
      JsonObject result = new JsonObject().put("deleted", 0).put("unforwarded", 0).put("oldest_deleted_ms", oldest);
      if (ids.isEmpty()) {
        return Future.succeededFuture(result);
      }
      return database.writer().withTransaction(connection -> deleteIds(connection, ids, countUnforwarded, result));
    });
  }

  /** Links first (taking the write lock), then the unforwarded count while failures still exist, then the rest. */
  private static Future<JsonObject> deleteIds(SqlConnection connection, List<Long> ids, boolean countUnforwarded,
      JsonObject result) {
    Tuple tuple = Tuple.wrap(new ArrayList<Object>(ids));
    String in = marks(ids.size());
    return connection.preparedQuery(RetentionSql.DELETE_LINKS + in).execute(tuple)
        .compose(v -> countUnforwarded ? unforwarded(connection, ids) : Future.succeededFuture(0L))
        .compose(unforwarded -> connection.preparedQuery(RetentionSql.DELETE_FAILURES + in).execute(tuple)
            .compose(v -> connection.preparedQuery(RetentionSql.DELETE_RECORDS + in).execute(tuple))
            .map(deleted -> result.put("deleted", deleted.rowCount()).put("unforwarded", unforwarded)));
  }

  /** Deleted records the GELF cursor had not passed and that were not already counted as failed. */
  private static Future<Long> unforwarded(SqlConnection connection, List<Long> ids) {
    return connection.query(RetentionSql.GELF_CURSOR).execute().compose(rows -> {
      long cursor = rows.iterator().next().getLong("forwarded_id");
      long above = ids.stream().filter(id -> id > cursor).count();
      if (above == 0) {
        return Future.succeededFuture(0L);
      }
      Tuple tuple = Tuple.tuple().addLong(cursor);
      ids.forEach(tuple::addLong);
      return connection.preparedQuery(RetentionSql.FAILED_AMONG + marks(ids.size())).execute(tuple)
          .map(failed -> above - failed.iterator().next().getLong("failed"));
    });
  }

  private static Future<JsonObject> vacuum(Database database, JsonObject params) {
    int pages = params.getInteger("pages", 256);
    if (pages < 0 || pages > MAX_VACUUM_PAGES) {
      return Future.failedFuture(new IllegalArgumentException("pages must be between 0 and " + MAX_VACUUM_PAGES));
    }
    boolean checkpoint = params.getBoolean("checkpoint", true);
    // counted on a read connection: the vacuum transaction must write first (see deleteSelected)
    Future<Long[]> vacuumed = freePages(database.reader())
        .compose(before -> database.writer().withTransaction(connection -> (pages == 0
                ? Future.<Void>succeededFuture()
                : connection.query(String.format(RetentionSql.INCREMENTAL_VACUUM, pages)).execute().<Void>mapEmpty())
            .compose(v -> connection.query(RetentionSql.JOURNAL_SIZE_LIMIT).execute()))
            .map(v -> before))
        .compose(before -> database.writer().withTransaction(connection -> freePages(connection))
            .map(after -> new Long[] {before, after}));
    return vacuumed.compose(counts -> (checkpoint ? database.reader().query(RetentionSql.CHECKPOINT).execute()
            .<Void>mapEmpty() : Future.<Void>succeededFuture())
        .compose(v -> database.reader().query(RetentionSql.FILE_STATS).execute())
        .map(rows -> {
          Row row = rows.iterator().next();
          return new JsonObject().put("freed_pages", counts[0] - counts[1]).put("free_pages_left", counts[1])
              .put("page_size", row.getLong("page_size")).put("page_count", row.getLong("page_count"));
        }));
  }

  private static Future<Long> freePages(SqlClient connection) {
    return connection.query(RetentionSql.FREE_PAGES).execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  private static Future<JsonObject> fileStats(Database database) {
    return database.reader().query(RetentionSql.FILE_STATS).execute().map(rows -> {
      Row row = rows.iterator().next();
      return new JsonObject().put("page_size", row.getLong("page_size")).put("page_count", row.getLong("page_count"))
          .put("free_pages", row.getLong("free_pages")).put("records", row.getLong("records"))
          .put("oldest_event_time_ms", row.getLong("oldest_event_time_ms"));
    });
  }

  static String marks(int count) {
    return "(" + "?,".repeat(count - 1) + "?)";
  }
}
