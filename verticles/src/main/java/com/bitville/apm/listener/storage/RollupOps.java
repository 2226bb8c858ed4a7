package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.analysis.RollupTable;
import com.bitville.apm.listener.analysis.WindowAnalysis;
import com.bitville.apm.listener.storage.api.RollupStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollup operations: the rollup verticle's cursor and pages, the batched write that adds a page's aggregates
 * and moves the cursor in one transaction, expiry, and the range reads of the overview and the window analysis.
 * Reads run on the read pool; a page's writes run on the group commit's writer thread, in short transactions
 * between the agents' commits.
 */
final class RollupOps implements RollupStore {

  static final int MAX_PAGE = 2_000;
  static final int MAX_LIST = 5_000;
  static final long MAX_POINTS = 20_000;

  private final Database database;
  private final RecordWriter writer;

  RollupOps(Database database, RecordWriter writer) {
    this.database = database;
    this.writer = writer;
  }

  @Override
  public Future<JsonObject> cursor() {
    return cursor(database);
  }

  @Override
  public Future<JsonObject> page(PageRequest request) {
    return page(database, new JsonObject().put("after_id", request.afterId()).put("limit", request.limit())
        .put("max_bytes", request.maxBytes()));
  }

  @Override
  public Future<JsonObject> write(RollupWrite write) {
    return write(writer, new JsonObject().put("after_id", write.afterId()).put("batch", write.batch()));
  }

  @Override
  public Future<JsonObject> expire(Long beforeMs) {
    return expire(database, new JsonObject().put("before_ms", beforeMs));
  }

  @Override
  public Future<JsonObject> overview(OverviewRequest request) {
    return overview(database, new JsonObject().put("project", request.project()).put("from_ms", request.fromMs())
        .put("to_ms", request.toMs()).put("step_ms", request.stepMs()));
  }

  @Override
  public Future<JsonObject> window(WindowRequest request) {
    return window(database, new JsonObject().put("project", request.project()).put("from_ms", request.fromMs())
        .put("to_ms", request.toMs()));
  }

  @Override
  public Future<JsonObject> edges(EdgesRequest request) {
    return edges(database, new JsonObject().put("project", request.project()).put("from_ms", request.fromMs())
        .put("to_ms", request.toMs()).put("limit", request.limit()));
  }

  private static Future<JsonObject> cursor(Database database) {
    var reader = database.reader();
    return reader.query(RollupSql.CURSOR).execute().map(rows -> rows.iterator().next()).compose(cursor -> {
      long rolled = cursor.getLong("rolled_id");
      return Future.all(reader.query(RollupSql.MAX_ID).execute(),
              reader.preparedQuery(RollupSql.BACKLOG).execute(Tuple.of(rolled)))
          .map(all -> new JsonObject().put("rolled_id", rolled)
              .put("caught_up_received_ms", cursor.getLong("caught_up_received_ms"))
              .put("max_id", first(all.resultAt(0)).getLong("max_id"))
              .put("backlog", first(all.resultAt(1)).getLong("backlog")));
    });
  }

  private static Row first(Object rows) {
    @SuppressWarnings("unchecked")
    RowSet<Row> set = (RowSet<Row>) rows;
    return set.iterator().next();
  }

  private static Future<JsonObject> page(Database database, JsonObject params) {
    long after = params.getLong("after_id", 0L);
    int limit = params.getInteger("limit", 500);
    long maxBytes = params.getLong("max_bytes", 8L << 20);
    if (limit < 1 || limit > MAX_PAGE || maxBytes < 1) {
      return Future.failedFuture(new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE
          + ", max_bytes positive"));
    }
    // a plain connection: the pooled client decodes each cell through the driver's metadata, which cost more
    // than the whole write of the page (docs/BENCHMARKS.md, "Rollup page read")
    return database.readPlain(connection -> {
      try (PreparedStatement statement = connection.prepareStatement(RollupSql.PAGE)) {
        statement.setLong(1, after);
        statement.setInt(2, limit);
        statement.setLong(3, maxBytes);
        try (ResultSet rows = statement.executeQuery()) {
          return new JsonObject().put("records", RecordReads.toJson(rows));
        }
      }
    });
  }

  private static Future<JsonObject> write(RecordWriter writer, JsonObject params) {
    Long after = params.getLong("after_id");
    if (after == null || !(params.getValue("batch") instanceof JsonObject json)) {
      return Future.failedFuture(new IllegalArgumentException("after_id and batch are required"));
    }
    RollupBatch batch = RollupBatch.fromJson(json);
    if (batch.lastId() <= after) {
      return Future.failedFuture(new IllegalArgumentException("the batch must end after after_id"));
    }
    Map<Target, List<Tuple>> tuples = tuples(batch);
    return writer.transaction(c -> addAndAdvance(c, after, batch, tuples));
  }

  /** The rows through one prepared statement as one batch, on the caller's connection and transaction. */
  static Void executeBatch(Connection connection, String sql, List<Tuple> rows) throws SQLException {
    if (rows.isEmpty()) {
      return null;
    }
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (Tuple row : rows) {
        bind(statement, row);
        statement.addBatch();
      }
      statement.executeBatch();
    }
    return null;
  }

  private static void bind(PreparedStatement statement, Tuple row) throws SQLException {
    for (int i = 0; i < row.size(); i++) {
      statement.setObject(i + 1, row.getValue(i));
    }
  }

  /**
   * Moves the cursor and adds the page's aggregates in one transaction; the cursor moves first, so a page that
   * another node (or an earlier attempt that did commit) already applied is recognised and adds nothing.
   */
  private static JsonObject addAndAdvance(Connection connection, long after, RollupBatch batch,
      Map<Target, List<Tuple>> tuples) throws SQLException {
    int moved;
    try (PreparedStatement advance = connection.prepareStatement(RollupSql.ADVANCE)) {
      bind(advance, Tuple.of(batch.lastId(), batch.lastReceivedMs(), System.currentTimeMillis(), after));
      moved = advance.executeUpdate();
    }
    if (moved == 0) {
      try (PreparedStatement cursor = connection.prepareStatement(RollupSql.CURSOR);
          ResultSet rows = cursor.executeQuery()) {
        rows.next();
        long rolled = rows.getLong("rolled_id");
        while (rows.next()) {
          // read to the end: a finished statement holds no snapshot after the commit
        }
        return new JsonObject().put("applied", false).put("rolled_id", rolled);
      }
    }
    apply(connection, tuples, batch);
    return new JsonObject().put("applied", true).put("rolled_id", batch.lastId());
  }

  /** Where a row goes: a minute table or its hourly level. */
  private record Target(RollupTable table, boolean hourly) {
  }

  /**
   * The batch's minute rows and the same rows folded into their hours. Values are rounded per minute before they
   * are added to the hour, so an hour row is exactly the sum (and maximum) of its stored minute rows.
   */
  private static Map<Target, List<Tuple>> tuples(RollupBatch batch) {
    Map<Target, List<Tuple>> tuples = new LinkedHashMap<>();
    Map<RollupTable, Map<List<Object>, long[]>> hours = new EnumMap<>(RollupTable.class);
    Map<RollupTable, Map<List<Object>, Map<Long, Long>>> hourHistograms = new EnumMap<>(RollupTable.class);
    for (RollupBatch.Row row : batch.rows()) {
      long[] values = new long[row.values().length];
      for (int i = 0; i < values.length; i++) {
        values[i] = Math.round(row.values()[i]);
      }
      RollupTable table = row.table();
      tuples.computeIfAbsent(new Target(table, false), t -> new ArrayList<>())
          .add(tuple(table, row.key(), values, row.histogram()));
      List<Object> hourKey = new ArrayList<>(row.key());
      hourKey.set(1, hourOf((Long) row.key().get(1)));
      hours.computeIfAbsent(table, t -> new LinkedHashMap<>()).merge(hourKey, values, (a, b) -> add(table, a, b));
      Map<Long, Long> hourHistogram = hourHistograms.computeIfAbsent(table, t -> new LinkedHashMap<>())
          .computeIfAbsent(hourKey, k -> new java.util.TreeMap<>());
      row.histogram().forEach((bucket, count) -> hourHistogram.merge(bucket, count, Long::sum));
    }
    hours.forEach((table, rows) -> rows.forEach((key, values) ->
        tuples.computeIfAbsent(new Target(table, true), t -> new ArrayList<>())
            .add(tuple(table, key, values, hourHistograms.get(table).get(key)))));
    return tuples;
  }

  private static Tuple tuple(RollupTable table, List<Object> key, long[] values, Map<Long, Long> histogram) {
    Tuple tuple = Tuple.tuple();
    key.forEach(tuple::addValue);
    for (long value : values) {
      tuple.addLong(value);
    }
    if (table.histogram()) {
      JsonObject json = new JsonObject();
      new java.util.TreeMap<>(histogram).forEach((bucket, count) -> json.put(String.valueOf(bucket), count));
      tuple.addString(json.encode());
    }
    return tuple;
  }

  private static long[] add(RollupTable table, long[] a, long[] b) {
    long[] sum = new long[a.length];
    int sums = table.sums().size();
    for (int i = 0; i < a.length; i++) {
      sum[i] = i < sums ? a[i] + b[i] : Math.max(a[i], b[i]);
    }
    return sum;
  }

  static long hourOf(long ms) {
    return Math.floorDiv(ms, RollupSql.HOUR_MS) * RollupSql.HOUR_MS;
  }

  private static void apply(Connection connection, Map<Target, List<Tuple>> tuples, RollupBatch batch)
      throws SQLException {
    for (Map.Entry<Target, List<Tuple>> entry : tuples.entrySet()) {
      executeBatch(connection, RollupSql.upsert(entry.getKey().table(), entry.getKey().hourly()), entry.getValue());
    }
    List<Tuple> sqlTexts = new ArrayList<>();
    batch.sqlTexts().forEach((key, text) -> sqlTexts.add(Tuple.of(key.get(0), key.get(1), text)));
    List<Tuple> statementTexts = new ArrayList<>();
    batch.statementTexts().forEach((key, text) -> statementTexts.add(Tuple.of(key.get(0), key.get(1), text)));
    executeBatch(connection, RollupSql.SQL_TEXT, sqlTexts);
    executeBatch(connection, RollupSql.STATEMENT_TEXT, statementTexts);
    executeBatch(connection, RollupSql.REQUEST_KEYS, postings(batch));
  }

  private static List<Tuple> postings(RollupBatch batch) {
    List<Tuple> rows = new ArrayList<>();
    for (RollupBatch.Posting posting : batch.postings()) {
      List<Long> ids = posting.recordIds();
      rows.add(Tuple.of(posting.project(), posting.kind().name(), posting.key(), posting.minuteMs(),
          ids.stream().mapToLong(Long::longValue).min().orElseThrow(), idList(ids)));
    }
    return rows;
  }

  private static String idList(List<Long> ids) {
    StringBuilder json = new StringBuilder(ids.size() * 8).append('[');
    for (Long id : ids) {
      json.append(json.length() > 1 ? "," : "").append(id.longValue());
    }
    return json.append(']').toString();
  }

  private static Future<JsonObject> expire(Database database, JsonObject params) {
    Long before = params.getLong("before_ms");
    if (before == null) {
      return Future.failedFuture(new IllegalArgumentException("before_ms is required"));
    }
    return database.reader().query(RollupSql.PROJECTS).execute().compose(rows -> {
      List<String> projects = new ArrayList<>();
      rows.forEach(row -> projects.add(row.getString("project")));
      return database.writer().withTransaction(connection -> {
        Future<Long> deleted = Future.succeededFuture(0L);
        long hour = hourOf(before);
        for (String project : projects) {
          deleted = deleted.compose(n -> connection.preparedQuery(RollupSql.EXPIRE_REQUEST_KEYS)
              .execute(Tuple.of(project, before)).map(result -> n + result.rowCount()));
          for (RollupTable table : RollupTable.values()) {
            deleted = deleted.compose(n -> connection.preparedQuery(RollupSql.expireWithinHour(table))
                .execute(Tuple.of(project, hour, before))
                .compose(cut -> (cut.rowCount() == 0 ? Future.<Void>succeededFuture()
                    : rebuildHour(connection, table, project, hour)).map(v -> n + cut.rowCount())));
            deleted = deleted.compose(n -> connection.preparedQuery(RollupSql.expire(table))
                .execute(Tuple.of(project, before)).map(result -> n + result.rowCount()));
            deleted = deleted.compose(n -> connection.preparedQuery(RollupSql.expireHours(table))
                .execute(Tuple.of(project, hourOf(before))).map(result -> n + result.rowCount()));
          }
          for (String expireTexts : RollupSql.EXPIRE_TEXTS) {
            deleted = deleted.compose(n -> connection.preparedQuery(expireTexts).execute(Tuple.of(project, project))
                .map(result -> n + result.rowCount()));
          }
        }
        return deleted;
      });
    }).map(n -> new JsonObject().put("deleted", n));
  }

  private static Future<Void> rebuildHour(SqlConnection connection, RollupTable table, String project, long hour) {
    return connection.preparedQuery(RollupSql.deleteHour(table)).execute(Tuple.of(project, hour))
        .compose(v -> connection.preparedQuery(RollupSql.rebuildHour(table))
            .execute(Tuple.of(hour, project, hour, hour + RollupSql.HOUR_MS)))
        .mapEmpty();
  }

  /**
   * A range read as whole hours [hourFrom, hourTo) from the hourly level and the minutes of the partial edges
   * before and after them; without a whole hour inside (or when {@code hours} is false) all of it from minutes.
   */
  private record Range(String project, long from, long to, boolean hours) {
    long hourFrom() {
      return hourOf(from + RollupSql.HOUR_MS - 1);
    }

    long hourTo() {
      return hourOf(to);
    }

    boolean usesHours() {
      return hours && hourFrom() < hourTo();
    }

    /** The parameters of {@code RollupSql.source}: project, from, to of the two minute edges and the hours. */
    Tuple tuple() {
      if (!usesHours()) {
        return Tuple.of(project, from, to, project, 0L, 0L, project, 0L, 0L);
      }
      return Tuple.of(project, from, hourFrom(), project, hourTo(), to, project, hourFrom(), hourTo());
    }

    Range minutesOnly() {
      return new Range(project, from, to, false);
    }
  }

  private static Range range(JsonObject params) {
    String project = params.getString("project");
    Long from = params.getLong("from_ms");
    Long to = params.getLong("to_ms");
    if (project == null || from == null || to == null || from >= to) {
      throw new IllegalArgumentException("project, from_ms < to_ms are required");
    }
    return new Range(project, from, to, params.getBoolean("hours", true));
  }

  static Future<JsonObject> overview(Database database, JsonObject params) {
    Range range = range(params);
    Long step = params.getLong("step_ms");
    if (step == null || step < 60_000 || step % 60_000 != 0 || (range.to() - range.from()) / step > MAX_POINTS) {
      return Future.failedFuture(new IllegalArgumentException("step_ms must be whole minutes, at most "
          + MAX_POINTS + " intervals"));
    }
    Range read = hoursFitIntervals(range, step) ? range : range.minutesOnly();
    Tuple parameters = read.tuple();
    return database.readPlain(connection -> {
      try (java.sql.PreparedStatement statement = connection.prepareStatement(RollupSql.OVERVIEW)) {
        for (int i = 0; i < parameters.size(); i++) {
          statement.setObject(i + 1, parameters.getValue(i));
        }
        try (java.sql.ResultSet rows = statement.executeQuery()) {
          return OverviewIntervals.of(rows, range.from(), step);
        }
      }
    });
  }

  /** An hour row can stand for its minutes only if no interval boundary falls inside that hour. */
  private static boolean hoursFitIntervals(Range range, long step) {
    if (!range.usesHours()) {
      return false;
    }
    long first = Math.floorDiv(range.hourFrom() - range.from(), step) + 1;
    for (long boundary = range.from() + first * step; boundary < range.hourTo(); boundary += step) {
      if (boundary % RollupSql.HOUR_MS != 0) {
        return false;
      }
    }
    return true;
  }

  static Future<JsonObject> window(Database database, JsonObject params) {
    Range range = range(params);
    var reader = database.reader();
    Tuple limited = range.tuple().addInteger(MAX_LIST);
    Tuple joined = range.tuple().addInteger(MAX_LIST).addString(range.project());
    return Future.all(List.of(reader.preparedQuery(RollupSql.ROUTES).execute(range.tuple()),
            reader.preparedQuery(RollupSql.ROUTE_HISTOGRAM).execute(range.tuple()),
            reader.preparedQuery(RollupSql.HOSTS).execute(range.tuple()),
            reader.preparedQuery(RollupSql.FUNCTIONS).execute(limited),
            reader.preparedQuery(RollupSql.SQL).execute(joined),
            reader.preparedQuery(RollupSql.STATEMENTS).execute(joined),
            reader.preparedQuery(RollupSql.LOCKS).execute(limited),
            reader.preparedQuery(RollupSql.LOGS).execute(range.tuple()),
            reader.preparedQuery(RollupSql.DB).execute(range.tuple())))
        .map(all -> new JsonObject().put("from_ms", range.from()).put("to_ms", range.to())
            .put("routes", rows(all.resultAt(0))).put("route_percentiles", percentiles(all.resultAt(1), "route"))
            .put("hosts", rows(all.resultAt(2))).put("functions", rows(all.resultAt(3)))
            .put("sql", rows(all.resultAt(4))).put("statements", rows(all.resultAt(5)))
            .put("locks", rows(all.resultAt(6))).put("logs", rows(all.resultAt(7)))
            .put("db", rows(all.resultAt(8)).getJsonObject(0)));
  }

  private static Future<JsonObject> edges(Database database, JsonObject params) {
    Range range = range(params);
    int limit = params.getInteger("limit", 2_000);
    if (limit < 1 || limit > MAX_LIST) {
      return Future.failedFuture(new IllegalArgumentException("limit must be between 1 and " + MAX_LIST));
    }
    var reader = database.reader();
    return Future.all(reader.preparedQuery(RollupSql.EDGES).execute(range.tuple().addInteger(limit)),
            reader.preparedQuery(RollupSql.REQUESTS).execute(range.tuple()))
        .map(all -> new JsonObject().put("edges", rows(all.resultAt(0)))
            .put("requests", rows(all.resultAt(1)).getJsonObject(0).getLong("requests")));
  }

  /**
   * p50 and p95 per key from histogram rows {key, bucket, count}: computed here so that the thousands of bucket rows
   * of a long range never travel as JSON.
   */
  private static JsonArray percentiles(Object result, String key) {
    @SuppressWarnings("unchecked")
    RowSet<Row> rows = (RowSet<Row>) result;
    Map<Object, Map<Long, Long>> histograms = new java.util.LinkedHashMap<>();
    rows.forEach(row -> histograms.computeIfAbsent(row.getValue(key), k -> new java.util.HashMap<>())
        .merge(row.getLong("bucket"), row.getLong("count"), Long::sum));
    JsonArray list = new JsonArray();
    histograms.forEach((k, histogram) -> list.add(new JsonObject().put(key, k)
        .put("p50_ms", WindowAnalysis.percentile(histogram, 0.5))
        .put("p95_ms", WindowAnalysis.percentile(histogram, 0.95))));
    return list;
  }

  private static JsonArray rows(Object result) {
    @SuppressWarnings("unchecked")
    RowSet<Row> rows = (RowSet<Row>) result;
    JsonArray list = new JsonArray();
    rows.forEach(row -> list.add(row.toJson()));
    return list;
  }
}
