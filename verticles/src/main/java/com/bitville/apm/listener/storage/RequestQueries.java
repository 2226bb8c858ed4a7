package com.bitville.apm.listener.storage;

import com.bitville.apm.shared.bus.QueryNames;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads of the request list, request detail, correlation and pg-agent records. Every operation is confined
 * to the {@code projects} the caller passes (the query server passes exactly the user's projects); payloads
 * leave compressed, the query server inflates them.
 */
final class RequestQueries implements QueryModule {

  static final int MAX_PAGE = 500;
  static final int MAX_RELATED = 500;

  @Override
  public Map<String, QueryHandler> handlers(Database database) {
    return Map.of(
        QueryNames.REQUESTS_LIST, params -> list(database, params),
        QueryNames.REQUEST_DETAIL, params -> detail(database, params),
        QueryNames.CORRELATION, params -> correlation(database, params),
        QueryNames.DATABASE_RECORDS, params -> databaseRecords(database, params));
  }

  static List<Object> projects(JsonObject params) {
    JsonArray projects = params.getJsonArray("projects");
    if (projects == null || projects.isEmpty() || projects.size() > 1000) {
      throw new IllegalArgumentException("projects must hold 1 to 1000 names");
    }
    List<Object> names = new ArrayList<>();
    for (Object name : projects) {
      if (!(name instanceof String)) {
        throw new IllegalArgumentException("projects must be strings");
      }
      names.add(name);
    }
    return names;
  }

  /** A statement with its arguments. */
  record Statement(String sql, Tuple args) {
  }

  private static Future<JsonObject> list(Database database, JsonObject params) {
    int limit = limit(params);
    Statement statement = listStatement(params);
    return database.reader().preparedQuery(statement.sql()).execute(statement.args()).map(rows -> {
      JsonArray items = new JsonArray();
      for (Row row : rows) {
        if (items.size() < limit) {
          items.add(RecordReads.toJson(row));
        }
      }
      return new JsonObject().put("items", items).put("has_more", rows.size() > limit);
    });
  }

  private static int limit(JsonObject params) {
    return Math.max(1, Math.min(MAX_PAGE, params.getInteger("limit", 50)));
  }

  /** The list query: one ordered index range per project (see QuerySql), merged when there are several. */
  static Statement listStatement(JsonObject params) {
    List<Object> projects = projects(params);
    boolean byDuration = "duration".equals(params.getString("sort", "time"));
    boolean ascending = "asc".equals(params.getString("order", "desc"));
    int limit = limit(params);
    String order = byDuration ? (ascending ? QuerySql.ORDER_DURATION_ASC : QuerySql.ORDER_DURATION_DESC)
        : (ascending ? QuerySql.ORDER_TIME_ASC : QuerySql.ORDER_TIME_DESC);
    Tuple args = Tuple.tuple();
    StringBuilder sql = new StringBuilder();
    for (Object project : projects) {
      StringBuilder part = new StringBuilder();
      listPart(part, args, project, params, byDuration, ascending);
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
  private static void listPart(StringBuilder sql, Tuple args, Object project, JsonObject params, boolean byDuration,
      boolean ascending) {
    String route = params.getString("route");
    sql.append(params.getString("correlation_id") != null ? QuerySql.LIST_PLAIN
        : byDuration ? QuerySql.LIST_BY_DURATION : route != null ? QuerySql.LIST_BY_ROUTE_TIME : QuerySql.LIST_BY_TIME);
    args.addValue(project);
    filter(sql, args, QuerySql.F_FROM, params.getLong("from_ms"));
    filter(sql, args, QuerySql.F_TO, params.getLong("to_ms"));
    filter(sql, args, QuerySql.F_ROUTE, route);
    String urlContains = params.getString("url_contains");
    filter(sql, args, QuerySql.F_URL, urlContains == null ? null : "%" + escapeLike(urlContains) + "%");
    filter(sql, args, QuerySql.F_METHOD, params.getString("method"));
    if (params.getInteger("status_min") != null) {
      sql.append(" AND ").append(QuerySql.F_STATUS);
      args.addInteger(params.getInteger("status_min")).addInteger(params.getInteger("status_max"));
    }
    filter(sql, args, QuerySql.F_HOST, params.getString("host"));
    filter(sql, args, QuerySql.F_MIN_DURATION, params.getDouble("min_duration_ms"));
    filter(sql, args, QuerySql.F_MAX_DURATION, params.getDouble("max_duration_ms"));
    filter(sql, args, QuerySql.F_CORRELATION, params.getString("correlation_id"));
    Boolean fatal = params.getBoolean("fatal");
    filter(sql, args, QuerySql.F_FATAL, fatal == null ? null : (fatal ? 1 : 0));
    JsonObject after = params.getJsonObject("after");
    if (after != null) {
      sql.append(" AND ").append(byDuration
          ? (ascending ? QuerySql.AFTER_DURATION_ASC : QuerySql.AFTER_DURATION_DESC)
          : (ascending ? QuerySql.AFTER_TIME_ASC : QuerySql.AFTER_TIME_DESC));
      args.addValue(after.getValue("value")).addLong(after.getLong("id"));
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

  private static Future<JsonObject> detail(Database database, JsonObject params) {
    List<Object> projects = projects(params);
    long id = params.getLong("id");
    Tuple args = Tuple.of(id);
    projects.forEach(args::addValue);
    return database.reader().preparedQuery(QuerySql.RECORD_BY_ID + QuerySql.marks(projects.size())).execute(args)
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(new JsonObject());
          }
          JsonObject record = RecordReads.toJson(rows.iterator().next());
          return related(database, record.getString("correlation_id"), projects, MAX_RELATED)
              .map(related -> new JsonObject().put("record", record).put("related", withoutId(related, id)));
        });
  }

  private static Future<JsonArray> related(Database database, String correlationId, List<Object> projects,
      int limit) {
    if (correlationId == null || correlationId.isBlank()) {
      return Future.succeededFuture(new JsonArray());
    }
    Tuple args = Tuple.of(correlationId, correlationId);
    projects.forEach(args::addValue);
    args.addInteger(limit);
    return database.reader().preparedQuery(QuerySql.CORRELATED + QuerySql.marks(projects.size())
        + QuerySql.CORRELATED_ORDER).execute(args).map(RequestQueries::toJson);
  }

  private static JsonArray withoutId(JsonArray records, long id) {
    JsonArray result = new JsonArray();
    for (int i = 0; i < records.size(); i++) {
      if (records.getJsonObject(i).getLong("id") != id) {
        result.add(records.getJsonObject(i));
      }
    }
    return result;
  }

  private static Future<JsonObject> correlation(Database database, JsonObject params) {
    List<Object> projects = projects(params);
    int limit = Math.max(1, Math.min(MAX_RELATED, params.getInteger("limit", MAX_RELATED)));
    return related(database, params.getString("correlation_id"), projects, limit)
        .map(records -> new JsonObject().put("records", records));
  }

  private static Future<JsonObject> databaseRecords(Database database, JsonObject params) {
    List<Object> projects = projects(params);
    int limit = Math.max(1, Math.min(MAX_PAGE, params.getInteger("limit", 50)));
    Tuple args = Tuple.of(params.getString("source"), params.getLong("from_ms", 0L),
        params.getLong("to_ms", Long.MAX_VALUE), params.getLong("before_time_ms", Long.MAX_VALUE),
        params.getLong("before_id", Long.MAX_VALUE));
    projects.forEach(args::addValue);
    args.addInteger(limit);
    return database.reader().preparedQuery(QuerySql.DATABASE_RECORDS.formatted(QuerySql.marks(projects.size())))
        .execute(args).map(rows -> new JsonObject().put("records", toJson(rows)));
  }

  static JsonArray toJson(RowSet<Row> rows) {
    JsonArray array = new JsonArray();
    rows.forEach(row -> array.add(RecordReads.toJson(row)));
    return array;
  }
}
