package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.storage.api.RequestReads;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads of the request list, request detail, correlation and pg-agent records. Every operation is confined
 * to the {@code projects} the caller passes (the query server passes exactly the user's projects); payloads
 * leave compressed, the query server inflates them.
 */
final class RequestQueries implements RequestReads {

  private final Database database;

  RequestQueries(Database database) {
    this.database = database;
  }

  static List<Object> projects(List<String> projects) {
    if (projects == null || projects.isEmpty() || projects.size() > 1000) {
      throw new IllegalArgumentException("projects must hold 1 to 1000 names");
    }
    List<Object> names = new ArrayList<>(projects.size());
    for (String name : projects) {
      if (name == null) {
        throw new IllegalArgumentException("projects must be strings");
      }
      names.add(name);
    }
    return names;
  }

  /** A statement with its arguments. */
  record Statement(String sql, Tuple args) {
  }

  @Override
  public Future<RequestPage> list(RequestFilter filter) {
    int limit = limit(filter.limit());
    Statement statement = listStatement(filter);
    return database.reader().preparedQuery(statement.sql()).execute(statement.args()).map(rows -> {
      List<JsonObject> items = new ArrayList<>(Math.min(limit, rows.size()));
      for (Row row : rows) {
        if (items.size() < limit) {
          items.add(RecordReads.toJson(row));
        }
      }
      return new RequestPage(items, rows.size() > limit);
    });
  }

  private static int limit(int limit) {
    return Math.max(1, Math.min(MAX_PAGE, limit));
  }

  /** The list query: one ordered index range per project (see QuerySql), merged when there are several. */
  static Statement listStatement(RequestFilter filter) {
    List<Object> projects = projects(filter.projects());
    boolean byDuration = "duration".equals(filter.sort());
    boolean ascending = "asc".equals(filter.order());
    int limit = limit(filter.limit());
    String order = byDuration ? (ascending ? QuerySql.ORDER_DURATION_ASC : QuerySql.ORDER_DURATION_DESC)
        : (ascending ? QuerySql.ORDER_TIME_ASC : QuerySql.ORDER_TIME_DESC);
    Tuple args = Tuple.tuple();
    StringBuilder sql = new StringBuilder();
    for (Object project : projects) {
      StringBuilder part = new StringBuilder();
      listPart(part, args, project, filter, byDuration, ascending);
      part.append(order);
      args.addInteger(limit + 1);
      if (projects.size() == 1) {
        sql.append(part);
      } else {
        sql.append(sql.length() == 0 ? "" : QuerySql.UNION_ALL).append(QuerySql.UNION_PART.formatted(part));
      }
    }
    String statement = sql.toString();
    if (projects.size() > 1) {
      statement = (byDuration ? (ascending ? QuerySql.OUTER_DURATION_ASC : QuerySql.OUTER_DURATION_DESC)
          : (ascending ? QuerySql.OUTER_TIME_ASC : QuerySql.OUTER_TIME_DESC)).formatted(statement);
      args.addInteger(limit + 1);
    }
    return new Statement(statement, args);
  }

  /** One project's index range with every filter and the keyset condition. */
  private static void listPart(StringBuilder sql, Tuple args, Object project, RequestFilter filter,
      boolean byDuration, boolean ascending) {
    String route = filter.route();
    sql.append(filter.correlationId() != null ? QuerySql.LIST_PLAIN
        : byDuration ? QuerySql.LIST_BY_DURATION : route != null ? QuerySql.LIST_BY_ROUTE_TIME : QuerySql.LIST_BY_TIME);
    args.addValue(project);
    plainFilters(sql, args, filter);
    requestKey(sql, args, QuerySql.F_SQL_FINGERPRINT, project, filter.sqlFingerprint(), filter);
    requestKey(sql, args, QuerySql.F_FUNCTION, project, filter.function(), filter);
    if (filter.afterValue() != null && filter.afterId() != null) {
      sql.append(" AND ").append(byDuration
          ? (ascending ? QuerySql.AFTER_DURATION_ASC : QuerySql.AFTER_DURATION_DESC)
          : (ascending ? QuerySql.AFTER_TIME_ASC : QuerySql.AFTER_TIME_DESC));
      args.addValue(filter.afterValue()).addLong(filter.afterId());
    }
  }

  /** The filters on the request's own columns. */
  private static void plainFilters(StringBuilder sql, Tuple args, RequestFilter filter) {
    filter(sql, args, QuerySql.F_FROM, filter.fromMs());
    filter(sql, args, QuerySql.F_TO, filter.toMs());
    filter(sql, args, QuerySql.F_ROUTE, filter.route());
    String urlContains = filter.urlContains();
    filter(sql, args, QuerySql.F_URL, urlContains == null ? null : "%" + escapeLike(urlContains) + "%");
    filter(sql, args, QuerySql.F_METHOD, filter.method());
    if (filter.statusMin() != null) {
      sql.append(" AND ").append(QuerySql.F_STATUS);
      args.addInteger(filter.statusMin()).addInteger(filter.statusMax());
    }
    filter(sql, args, QuerySql.F_HOST, filter.host());
    filter(sql, args, QuerySql.F_MIN_DURATION, filter.minDurationMs());
    filter(sql, args, QuerySql.F_MAX_DURATION, filter.maxDurationMs());
    filter(sql, args, QuerySql.F_CORRELATION, filter.correlationId());
    Boolean fatal = filter.fatal();
    filter(sql, args, QuerySql.F_FATAL, fatal == null ? null : (fatal ? 1 : 0));
  }

  @Override
  public Future<StoredAfter> storedAfter(StoredAfterQuery query) {
    RequestFilter filter = query.filter();
    List<Object> projects = projects(filter.projects());
    if (projects.size() != 1 || filter.sqlFingerprint() != null || filter.function() != null) {
      throw new IllegalArgumentException("storedAfter reads one project without SQL fingerprint or function filter");
    }
    return database.reader().preparedQuery(QuerySql.NEWEST_ID).execute().compose(newestRows -> {
      long newest = newestRows.iterator().next().getLong("newest");
      Long afterId = query.afterId();
      if (afterId == null || afterId >= newest) {
        return Future.succeededFuture(new StoredAfter(List.of(), newest, false));
      }
      Statement statement = storedAfterStatement(filter, afterId, newest, query.scan());
      long upper = statement.args().getLong(1);
      int limit = limit(filter.limit());
      return database.reader().preparedQuery(statement.sql()).execute(statement.args()).map(rows -> {
        List<JsonObject> items = new ArrayList<>(Math.min(limit, rows.size()));
        for (Row row : rows) {
          if (items.size() < limit) {
            items.add(RecordReads.toJson(row));
          }
        }
        if (rows.size() > limit) {
          return new StoredAfter(items, items.get(limit - 1).getLong("id"), true);
        }
        return new StoredAfter(items, upper, upper < newest);
      });
    });
  }

  /** The rowid range (afterId, min(newest, afterId + scan)] of one project's requests, with the plain filters. */
  static Statement storedAfterStatement(RequestFilter filter, long afterId, long newest, int scan) {
    long bounded = Math.max(1, Math.min(MAX_STORED_AFTER_SCAN, scan));
    long upper = Math.min(newest, afterId + bounded);
    Tuple args = Tuple.tuple().addLong(afterId).addLong(upper).addValue(filter.projects().get(0));
    StringBuilder sql = new StringBuilder(QuerySql.STORED_AFTER);
    plainFilters(sql, args, filter);
    sql.append(QuerySql.ORDER_ID);
    args.addInteger(limit(filter.limit()) + 1);
    return new Statement(sql.toString(), args);
  }

  private static void requestKey(StringBuilder sql, Tuple args, String clause, Object project, String key,
      RequestFilter filter) {
    if (key != null) {
      sql.append(" AND ").append(clause);
      // a minute's list holds requests from minute_ms to a minute later; the records' own filters cut exactly
      long from = filter.fromMs() == null ? Long.MIN_VALUE
          : Math.max(filter.fromMs(), Long.MIN_VALUE + 60_000) - 60_000;
      args.addValue(project).addString(key).addLong(from)
          .addLong(filter.toMs() == null ? Long.MAX_VALUE : filter.toMs());
    }
  }

  private static void filter(StringBuilder sql, Tuple args, String clause, Object value) {
    if (value != null) {
      sql.append(" AND ").append(clause);
      args.addValue(value);
    }
  }

  static String escapeLike(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }

  @Override
  public Future<RequestDetail> detail(RecordLookup lookup) {
    return withRelated(lookup, true);
  }

  @Override
  public Future<RequestDetail> record(RecordLookup lookup) {
    return withRelated(lookup, false);
  }

  private Future<RequestDetail> withRelated(RecordLookup lookup, boolean related) {
    List<Object> projects = projects(lookup.projects());
    long id = lookup.id();
    Tuple args = Tuple.of(id);
    projects.forEach(args::addValue);
    return database.reader().preparedQuery(QuerySql.RECORD_BY_ID + QuerySql.marks(projects.size())).execute(args)
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(new RequestDetail(null, List.of()));
          }
          JsonObject record = RecordReads.toJson(rows.iterator().next());
          if (!related) {
            return Future.succeededFuture(new RequestDetail(record, List.of()));
          }
          return related(record.getString("correlation_id"), projects, MAX_RELATED)
              .map(others -> new RequestDetail(record, withoutId(others, id)));
        });
  }

  private Future<List<JsonObject>> related(String correlationId, List<Object> projects, int limit) {
    if (correlationId == null || correlationId.isBlank()) {
      return Future.succeededFuture(List.of());
    }
    Tuple args = Tuple.of(correlationId, correlationId);
    projects.forEach(args::addValue);
    args.addInteger(limit);
    return database.reader().preparedQuery(QuerySql.CORRELATED + QuerySql.marks(projects.size())
        + QuerySql.CORRELATED_ORDER).execute(args).map(RequestQueries::toJson);
  }

  private static List<JsonObject> withoutId(List<JsonObject> records, long id) {
    List<JsonObject> result = new ArrayList<>(records.size());
    for (JsonObject record : records) {
      if (record.getLong("id") != id) {
        result.add(record);
      }
    }
    return result;
  }

  @Override
  public Future<Rows> correlated(CorrelationLookup lookup) {
    List<Object> projects = projects(lookup.projects());
    int limit = Math.max(1, Math.min(MAX_RELATED, lookup.limit()));
    return related(lookup.correlationId(), projects, limit).map(Rows::new);
  }

  @Override
  public Future<Rows> databaseRecords(DatabaseFilter filter) {
    List<Object> projects = projects(filter.projects());
    int limit = Math.max(1, Math.min(MAX_PAGE, filter.limit()));
    Tuple args = Tuple.of(filter.source(), orElse(filter.fromMs(), 0L), orElse(filter.toMs(), Long.MAX_VALUE),
        orElse(filter.beforeTimeMs(), Long.MAX_VALUE), orElse(filter.beforeId(), Long.MAX_VALUE));
    projects.forEach(args::addValue);
    args.addInteger(limit);
    return database.reader().preparedQuery(QuerySql.DATABASE_RECORDS.formatted(QuerySql.marks(projects.size())))
        .execute(args).map(rows -> new Rows(toJson(rows)));
  }

  private static long orElse(Long value, long otherwise) {
    return value == null ? otherwise : value;
  }

  static List<JsonObject> toJson(RowSet<Row> rows) {
    List<JsonObject> list = new ArrayList<>(rows.size());
    rows.forEach(row -> list.add(RecordReads.toJson(row)));
    return list;
  }
}
