package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.storage.api.RouteReads;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Route latency: statistics per route, a histogram per route and the baseline a single request is compared
 * with. Short windows are exact (window functions over the rows); windows longer than {@link #EXACT_WINDOW_MS}
 * read the hourly histogram (whole hours, percentiles to about +-5 %) and say so with {@code approximate}.
 */
final class RouteStats implements RouteReads {

  static final long EXACT_WINDOW_MS = 3 * 3600_000L;
  static final long HOUR_MS = 3600_000L;
  static final int MAX_EXACT_DURATIONS = 200_000;
  static final int BASELINE_SAMPLE = 200;

  private final Database database;

  RouteStats(Database database) {
    this.database = database;
  }

  @Override
  public Future<JsonObject> stats(RouteWindow window) {
    List<Object> projects = RequestQueries.projects(window.projects());
    long from = window.fromMs();
    long to = window.toMs();
    int limit = Math.max(1, Math.min(MAX_ROUTES, window.limit()));
    String marks = QuerySql.marks(projects.size());
    if (to - from <= EXACT_WINDOW_MS) {
      Tuple args = Tuple.of(from, to);
      projects.forEach(args::addValue);
      args.addInteger(limit);
      return database.reader().preparedQuery(QuerySql.ROUTES_EXACT.formatted(marks)).execute(args)
          .map(rows -> new JsonObject().put("routes", new JsonArray(new ArrayList<>(RequestQueries.toJson(rows))))
              .put("approximate", false)
              .put("from_ms", from).put("to_ms", to));
    }
    long hourFrom = Math.floorDiv(from, HOUR_MS) * HOUR_MS;
    long hourTo = Math.floorDiv(to + HOUR_MS - 1, HOUR_MS) * HOUR_MS;
    Tuple args = Tuple.of(hourFrom, hourTo);
    projects.forEach(args::addValue);
    return database.reader().preparedQuery(QuerySql.ROUTES_HOURLY.formatted(marks)).execute(args)
        .map(rows -> new JsonObject().put("routes", fromBuckets(rows, limit)).put("approximate", true)
            .put("from_ms", hourFrom).put("to_ms", hourTo));
  }

  /** Rows ordered by project, route, bucket: one route's buckets are consecutive. */
  private static JsonArray fromBuckets(Iterable<Row> rows, int limit) {
    Map<String, List<Row>> byRoute = new LinkedHashMap<>();
    for (Row row : rows) {
      byRoute.computeIfAbsent(row.getString("project") + "\u0000" + row.getString("route"), k -> new ArrayList<>())
          .add(row);
    }
    List<JsonObject> routes = new ArrayList<>();
    for (List<Row> buckets : byRoute.values()) {
      routes.add(routeFromBuckets(buckets));
    }
    routes.sort((a, b) -> Double.compare(b.getDouble("total"), a.getDouble("total")));
    return new JsonArray(new ArrayList<>(routes.subList(0, Math.min(limit, routes.size()))));
  }

  private static JsonObject routeFromBuckets(List<Row> buckets) {
    long count = 0;
    double total = 0;
    double max = 0;
    for (Row row : buckets) {
      count += row.getLong("count");
      total += row.getDouble("total");
      max = Math.max(max, row.getDouble("max"));
    }
    Row first = buckets.get(0);
    return new JsonObject().put("project", first.getString("project")).put("route", first.getString("route"))
        .put("count", count).put("p50", percentile(buckets, count, 0.50, max))
        .put("p95", percentile(buckets, count, 0.95, max)).put("p99", percentile(buckets, count, 0.99, max))
        .put("max", max).put("total", total);
  }

  /** Nearest-rank percentile from buckets: the geometric middle of the bucket holding that rank. */
  static double percentile(List<Row> buckets, long count, double p, double max) {
    long rank = (long) Math.ceil(p * count);
    long seen = 0;
    for (Row row : buckets) {
      seen += row.getLong("count");
      if (seen >= rank) {
        Double upper = row.getDouble("upper_ms");
        if (upper == null) {
          return max;
        }
        double lower = row.getInteger("bucket") == 0 ? 0 : upper / QuerySchema.BUCKET_RATIO;
        return Math.min(max, lower == 0 ? upper / 2 : Math.sqrt(lower * upper));
      }
    }
    return max;
  }

  @Override
  public Future<JsonObject> histogram(RouteHistogram request) {
    String project = request.project();
    String route = request.route();
    long from = request.fromMs();
    long to = request.toMs();
    long hourFrom = Math.floorDiv(from, HOUR_MS) * HOUR_MS;
    long hourTo = Math.floorDiv(to + HOUR_MS - 1, HOUR_MS) * HOUR_MS;
    return database.reader().preparedQuery(QuerySql.ROUTE_HISTOGRAM_HOURLY)
        .execute(Tuple.of(project, hourFrom, hourTo, route)).map(rows -> {
          JsonArray buckets = new JsonArray();
          long count = 0;
          for (Row row : rows) {
            Double upper = row.getDouble("upper_ms");
            int bucket = row.getInteger("bucket");
            buckets.add(new JsonObject().put("bucket", bucket)
                .put("lower_ms", bucket == 0 ? 0.0 : upper == null ? null : upper / QuerySchema.BUCKET_RATIO)
                .put("upper_ms", upper).put("count", row.getLong("count")).put("max_ms", row.getDouble("max")));
            count += row.getLong("count");
          }
          return new JsonObject().put("buckets", buckets).put("count", count).put("from_ms", hourFrom)
              .put("to_ms", hourTo).put("approximate", true);
        });
  }

  @Override
  public Future<Baseline> baseline(BaselineRequest request) {
    String project = request.project();
    String route = request.route();
    long from = request.fromMs();
    long to = request.toMs();
    long exclude = request.excludeId();
    var reader = database.reader();
    Future<long[]> counts = reader.preparedQuery(QuerySql.BASELINE_COUNTS)
        .execute(Tuple.of(request.durationMs(), project, route, from, to, exclude)).map(rows -> {
          Row row = rows.iterator().next();
          return new long[] {row.getLong("count"), row.getLong("faster") == null ? 0L : row.getLong("faster")};
        });
    Future<double[]> durations = reader.preparedQuery(QuerySql.ROUTE_DURATIONS)
        .execute(Tuple.of(project, route, from, to, exclude, MAX_EXACT_DURATIONS)).map(rows -> {
          double[] values = new double[rows.size()];
          int i = 0;
          for (Row row : rows) {
            values[i++] = row.getDouble(0);
          }
          return values;
        });
    Future<List<byte[]>> sample = reader.preparedQuery(QuerySql.BASELINE_SAMPLE)
        .execute(Tuple.of(project, route, from, to, exclude, BASELINE_SAMPLE))
        .compose(rows -> samplePayloads(database, rows));
    return Future.all(counts, durations, sample).map(all -> {
      long[] count = all.resultAt(0);
      double[] sorted = all.resultAt(1);
      return new Baseline(count[0], count[1], nearestRank(sorted, 0.50), nearestRank(sorted, 0.95),
          nearestRank(sorted, 0.99), all.resultAt(2));
    });
  }

  static Double nearestRank(double[] sorted, double p) {
    if (sorted.length == 0) {
      return null;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  private static Future<List<byte[]>> samplePayloads(Database database, Iterable<Row> sample) {
    List<Object> ids = new ArrayList<>();
    sample.forEach(row -> ids.add(row.getLong("id")));
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return database.reader().preparedQuery(QuerySql.BASELINE_PAYLOADS.formatted(QuerySql.marks(ids.size())))
        .execute(Tuple.wrap(ids))
        .map(rows -> {
          List<byte[]> payloads = new ArrayList<>(rows.size());
          rows.forEach(row -> payloads.add(RecordReads.toJson(row).getBinary("payload")));
          return payloads;
        });
  }
}
