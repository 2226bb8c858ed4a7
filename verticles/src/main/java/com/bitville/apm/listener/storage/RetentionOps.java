package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.analysis.RecordRollup;
import com.bitville.apm.listener.storage.api.RetentionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Retention's storage operations. Each write is one short transaction on the single writer connection (always
 * {@code withTransaction}, see {@code OutboxOps} on why), so it queues behind (and ahead of) group commits like
 * any other write: ingest waits at most one small batch. The WAL checkpoint runs on a read connection, which is
 * always in autocommit mode and so free to checkpoint.
 */
final class RetentionOps implements RetentionStore {

  private final Vertx vertx;
  private final Database database;
  private final String databasePath;

  RetentionOps(Vertx vertx, Database database, Path databasePath) {
    this.vertx = vertx;
    this.database = database;
    this.databasePath = databasePath.toString();
  }

  @Override
  public Future<Deleted> deleteExpired(ExpiredBatch batch) {
    int limit = limit(batch.limit());
    String sql;
    Tuple tuple;
    if (batch.project() != null) {
      sql = RetentionSql.EXPIRED_OF_PROJECT;
      tuple = Tuple.of(batch.project(), batch.beforeMs(), limit);
    } else {
      List<String> excluded = batch.excludedProjects() == null ? List.of() : batch.excludedProjects();
      sql = RetentionSql.EXPIRED + (excluded.isEmpty() ? "" : " AND project NOT IN " + marks(excluded.size()))
          + RetentionSql.EXPIRED_ORDER;
      tuple = Tuple.tuple().addLong(batch.beforeMs());
      excluded.forEach(tuple::addString);
      tuple.addInteger(limit);
    }
    return deleteSelected(database, sql, tuple, batch.countUnforwarded());
  }

  @Override
  public Future<Deleted> deleteOldest(OldestBatch batch) {
    return deleteSelected(database, RetentionSql.OLDEST, Tuple.of(limit(batch.limit())), batch.countUnforwarded());
  }

  private static int limit(int limit) {
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
  private static Future<Deleted> deleteSelected(Database database, String select, Tuple tuple,
      boolean countUnforwarded) {
    return database.reader().preparedQuery(select).execute(tuple).compose(rows -> {
      List<Long> ids = new ArrayList<>();
      Set<ProjectMinute> phpMinutes = new LinkedHashSet<>();
      Long oldest = null;
      for (Row row : rows) {
        long eventTime = row.getLong("event_time_ms");
        ids.add(row.getLong("id"));
        oldest = oldest == null ? eventTime : Math.min(oldest, eventTime);
        if ("php".equals(row.getString("kind"))) {
          phpMinutes.add(new ProjectMinute(row.getString("project"), RecordRollup.minuteOf(eventTime)));
        }
      }
      if (ids.isEmpty()) {
        return Future.succeededFuture(new Deleted(0, 0, 0, oldest));
      }
      Long oldestDeleted = oldest;
      return database.writer().withTransaction(connection -> deleteIds(connection, ids, countUnforwarded,
          oldestDeleted).compose(deleted -> deleteRequestKeys(connection, phpMinutes).map(deleted)));
    });
  }

  /** A minute of one project's PHP records. */
  private record ProjectMinute(String project, long minuteMs) {
  }

  /**
   * The rollup's request lists of the deleted records' minutes, once no PHP record of that project and minute is
   * left (a list holds the ids of a whole minute; ids of deleted records in a kept list match nothing).
   */
  private static Future<Void> deleteRequestKeys(SqlConnection connection, Set<ProjectMinute> phpMinutes) {
    Future<Void> chain = Future.succeededFuture();
    for (ProjectMinute minute : phpMinutes) {
      long start = minute.minuteMs();
      Tuple tuple = Tuple.of(minute.project(), start, minute.project(), start, start + 60_000);
      chain = chain.compose(v -> connection.preparedQuery(RetentionSql.DELETE_EMPTY_REQUEST_KEYS).execute(tuple))
          .mapEmpty();
    }
    return chain;
  }

  /** Links first (taking the write lock), then the unforwarded count while failures still exist, then the rest. */
  private static Future<Deleted> deleteIds(SqlConnection connection, List<Long> ids, boolean countUnforwarded,
      Long oldestDeleted) {
    Tuple tuple = Tuple.wrap(new ArrayList<Object>(ids));
    String in = marks(ids.size());
    return connection.preparedQuery(RetentionSql.DELETE_LINKS + in).execute(tuple)
        .compose(v -> countUnforwarded ? unforwarded(connection, ids) : Future.succeededFuture(0L))
        .compose(unforwarded -> unrolled(connection, ids)
            .compose(unrolled -> connection.preparedQuery(RetentionSql.DELETE_FAILURES + in).execute(tuple)
                .compose(v -> connection.preparedQuery(RetentionSql.DELETE_RECORDS + in).execute(tuple))
                .map(deleted -> new Deleted(deleted.rowCount(), unforwarded, unrolled, oldestDeleted))));
  }

  /**
   * Deleted records the rollup cursor had not passed. A cursor still at 0 never ran (rollups off from the start,
   * or nothing stored yet): then nothing is counted, since no rollup was expected of those records.
   */
  private static Future<Long> unrolled(SqlConnection connection, List<Long> ids) {
    return connection.query(RetentionSql.ROLLUP_CURSOR).execute().map(rows -> {
      long cursor = rows.iterator().hasNext() ? rows.iterator().next().getLong("rolled_id") : 0;
      return cursor == 0 ? 0L : ids.stream().filter(id -> id > cursor).count();
    });
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

  @Override
  public Future<Vacuumed> vacuum(VacuumStep step) {
    int pages = step.pages();
    if (pages < 0 || pages > MAX_VACUUM_PAGES) {
      return Future.failedFuture(new IllegalArgumentException("pages must be between 0 and " + MAX_VACUUM_PAGES));
    }
    boolean checkpoint = step.checkpoint();
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
          return new Vacuumed(counts[0] - counts[1], counts[1], row.getLong("page_size"), row.getLong("page_count"));
        }));
  }

  private static Future<Long> freePages(SqlClient connection) {
    return connection.query(RetentionSql.FREE_PAGES).execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<FileStats> fileStats() {
    return Future.all(database.reader().query(RetentionSql.FILE_STATS).execute(), size(databasePath),
        size(databasePath + "-wal")).map(all -> {
          Row row = all.<RowSet<Row>>resultAt(0).iterator().next();
          return new FileStats(row.getLong("page_size"), row.getLong("page_count"), row.getLong("free_pages"),
              row.getLong("records"), row.getLong("oldest_event_time_ms"), all.<Long>resultAt(1),
              all.<Long>resultAt(2));
        });
  }

  private Future<Long> size(String path) {
    return vertx.fileSystem().exists(path).compose(exists -> exists
        ? vertx.fileSystem().props(path).map(props -> props.size()) : Future.succeededFuture(0L));
  }

  static String marks(int count) {
    return "(" + "?,".repeat(count - 1) + "?)";
  }
}
