package com.bitville.apm.listener.query;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.config.QuerySettings;
import com.bitville.apm.listener.config.UserSettings;
import com.bitville.apm.listener.storage.api.RequestReads;
import com.bitville.apm.listener.storage.api.RequestReads.CorrelationLookup;
import com.bitville.apm.listener.storage.api.RequestReads.DatabaseFilter;
import com.bitville.apm.listener.storage.api.RequestReads.RecordLookup;
import com.bitville.apm.listener.storage.api.RequestReads.RequestDetail;
import com.bitville.apm.listener.storage.api.RequestReads.RequestFilter;
import com.bitville.apm.listener.storage.api.RequestReads.Rows;
import com.bitville.apm.listener.storage.api.RequestReads.StoredAfterQuery;
import com.bitville.apm.listener.storage.api.RouteReads;
import com.bitville.apm.listener.storage.api.RouteReads.Baseline;
import com.bitville.apm.listener.storage.api.RouteReads.BaselineRequest;
import com.bitville.apm.listener.storage.api.RouteReads.RouteHistogram;
import com.bitville.apm.listener.storage.api.RouteReads.RouteWindow;
import com.bitville.apm.listener.storage.api.StorageError;
import com.bitville.apm.shared.pg.PgSources;
import com.bitville.apm.shared.php.PhpPayloadView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST handlers. Each validates its parameters (400 on the first bad one), confines the storage query to
 * the user's projects, asks storage over the event bus with a deadline, and shapes the reply.
 */
final class QueryApi {

  private static final Logger LOG = LoggerFactory.getLogger(QueryApi.class);
  private static final long DAY_MS = 86_400_000L;
  private static final double SLOW_SQL_MS = 100;
  /** Long enough for the page's comparison call after its detail call, on a busy machine too. */
  private static final long RECENT_TTL_MS = 60_000;
  private static final int RECENT_ENTRIES = 64;
  private static final long RECENT_BYTES = 16L << 20;
  /** The filters on a request's own columns, which both the list and the live view's missed read take. */
  static final Set<String> OWN_COLUMN_FILTERS = Set.of("project", "from", "to", "route", "url", "method", "status",
      "host", "min_duration", "max_duration", "correlation_id", "fatal");
  static final Set<String> LIST_PARAMS = with(OWN_COLUMN_FILTERS, "sql_fingerprint", "function", "sort", "order",
      "limit", "cursor");
  static final Set<String> MISSED_PARAMS = with(OWN_COLUMN_FILTERS, "after_id", "limit");
  static final int MISSED_DEFAULT_LIMIT = 100;
  static final Map<String, String> DATABASE_SOURCES = Map.of("sessions", PgSources.ACTIVITY, "locks",
      PgSources.LOCKS, "statements", PgSources.STATEMENTS, "logs", PgSources.LOG, "metrics", PgSources.SYSTEM_METRICS);

  private static Set<String> with(Set<String> base, String... more) {
    Set<String> all = new java.util.HashSet<>(base);
    all.addAll(List.of(more));
    return Set.copyOf(all);
  }

  private final Vertx vertx;
  private final QuerySettings settings;
  private final Auth auth;
  private final RequestReads requests;
  private final RouteReads routes;
  private final RecentRequests recent = new RecentRequests(RECENT_ENTRIES, RECENT_BYTES, RECENT_TTL_MS);

  QueryApi(Vertx vertx, QuerySettings settings, Auth auth) {
    this.vertx = vertx;
    this.settings = settings;
    this.auth = auth;
    this.requests = ServiceBus.client(vertx, RequestReads.class, settings.storageTimeoutMs());
    this.routes = ServiceBus.client(vertx, RouteReads.class, settings.storageTimeoutMs());
  }

  // ---- /api/projects ----

  void projects(RoutingContext ctx) {
    new ApiParams(ctx.queryParams(), Set.of());
    QueryResponses.json(ctx, new JsonObject().put("projects", new JsonArray(auth.projectsOf(user(ctx)))));
  }

  // ---- /api/requests ----

  void requests(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), LIST_PARAMS);
    String sort = p.oneOf("sort", "time", Set.of("time", "duration"));
    String order = p.oneOf("order", "desc", Set.of("asc", "desc"));
    List<String> projects = visibleProjects(ctx, p);
    int limit = p.integer("limit", 50, 1, settings.maxPageSize());
    RequestFilter filter = listFilter(p, projects, sort, order, limit);
    requests.list(filter).onComplete(answer(ctx, page -> {
      JsonArray items = new JsonArray();
      page.rows().forEach(row -> items.add(RecordViews.listItem(row)));
      JsonObject lastRow = items.isEmpty() ? null : page.rows().get(items.size() - 1);
      String next = null;
      if (page.hasMore() && !items.isEmpty()) {
        next = ApiParams.encodeCursor("time".equals(sort) ? lastRow.getValue("event_time_ms")
            : Double.valueOf(lastRow.getString("duration_key")), lastRow.getLong("id"), sort, order);
      }
      QueryResponses.json(ctx, new JsonObject().put("items", items).put("next_cursor", next));
    }));
  }

  /** The list's filters as storage takes them; each bad value is a 400. */
  private static RequestFilter listFilter(ApiParams p, List<String> projects, String sort, String order, int limit) {
    Long from = p.time("from");
    Long to = p.time("to");
    if (from != null && to != null && from >= to) {
      throw ApiError.badRequest("from must be before to");
    }
    String route = p.text("route", 1024);
    String url = p.text("url", 512);
    String method = p.method();
    String host = p.text("host", 255);
    String correlationId = p.text("correlation_id", 128);
    Boolean fatal = p.bool("fatal");
    String sqlFingerprint = p.sqlFingerprint();
    String function = p.functionName();
    int[] status = p.status();
    Double min = p.number("min_duration", 0, 1e9);
    Double max = p.number("max_duration", 0, 1e9);
    if (min != null && max != null && min > max) {
      throw ApiError.badRequest("min_duration must not exceed max_duration");
    }
    JsonObject after = p.cursor(sort, order);
    return new RequestFilter(projects, sort, order, limit, from, to, route, url, method,
        status == null ? null : status[0], status == null ? null : status[1], host, min, max, correlationId, fatal,
        after == null ? null : (Number) after.getValue("value"), after == null ? null : after.getLong("id"),
        sqlFingerprint, function);
  }

  // ---- /api/live/missed ----

  /**
   * What the live view of one project missed while its feed was disconnected: the requests stored after
   * {@code after_id} that pass the list's own-column filters, oldest first, bounded in count and in records read.
   * Without {@code after_id} only the position ({@code last_id}) is answered, for the next gap.
   */
  void liveMissed(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), MISSED_PARAMS);
    List<String> projects = visibleProjects(ctx, p);
    if (projects.size() != 1) {
      throw ApiError.badRequest("project is required (exactly one)");
    }
    int limit = p.integer("limit", MISSED_DEFAULT_LIMIT, 1, settings.maxPageSize());
    Long afterId = p.recordId("after_id");
    RequestFilter filter = listFilter(p, projects, "time", "asc", limit);
    requests.storedAfter(new StoredAfterQuery(filter, afterId, RequestReads.MAX_STORED_AFTER_SCAN))
        .onComplete(answer(ctx, missed -> {
          JsonArray items = new JsonArray();
          missed.rows().forEach(row -> items.add(RecordViews.listItem(row)));
          QueryResponses.json(ctx, new JsonObject().put("items", items).put("last_id", missed.lastId())
              .put("more", missed.more()));
        }));
  }

  // ---- /api/requests/:id ----

  /**
   * The request with its related records. Its payload is inflated and profiled once, on a worker thread (up to
   * a few MiB of CPU work); the profile is kept for the page's comparison call ({@link RecentRequests}).
   */
  void request(RoutingContext ctx) {
    new ApiParams(ctx.queryParams(), Set.of());
    long id = pathId(ctx);
    detail(ctx, id, true).compose(reply -> vertx.executeBlocking(() -> shapeDetail(reply), false))
        .onComplete(answer(ctx, shaped -> {
          recent.put(shaped.subject(), shaped.eventTimeMs(), System.currentTimeMillis());
          QueryResponses.json(ctx, shaped.body());
        }));
  }

  /** The detail answer and what a comparison of the same request needs. */
  record ShapedDetail(JsonObject body, Comparison.Subject subject, long eventTimeMs) {
  }

  /** The PHP request with its related records (or, for the comparison, without them). */
  private Future<RequestDetail> detail(RoutingContext ctx, long id, boolean withRelated) {
    RecordLookup lookup = new RecordLookup(id, auth.projectsOf(user(ctx)));
    return (withRelated ? requests.detail(lookup) : requests.record(lookup)).compose(reply -> {
      JsonObject record = reply.record();
      if (record == null || !"php".equals(record.getString("kind"))) {
        return Future.failedFuture(ApiError.notFound("no request " + id + " in your projects"));
      }
      return Future.succeededFuture(reply);
    });
  }

  static ShapedDetail shapeDetail(RequestDetail reply) {
    JsonObject request = RecordViews.inflate(reply.record());
    PhpPayloadView view = PhpPayloadView.of(request.getJsonObject("payload", new JsonObject()));
    String correlationId = request.getString("correlation_id");
    JsonArray related = new JsonArray();
    reply.related().forEach(row -> related.add(RecordViews.related(row, correlationId)));
    JsonObject body = new JsonObject().put("request", request)
        .put("functions", RecordViews.functions(view.profile().functions(), request.getDouble("duration_ms", 0.0)))
        .put("functions_truncation", view.functionTruncation().toJson())
        .put("hotspots", view.hotspots())
        .put("sql", RecordViews.sql(view, SLOW_SQL_MS))
        .put("related", related)
        .put("timeline", RecordViews.timeline(request, view, related))
        .put("payload_fields", RecordViews.payloadFields(view));
    return new ShapedDetail(body, Comparison.Subject.of(reply.record(), view), reply.record().getLong("event_time_ms"));
  }

  // ---- /api/requests/:id/comparison ----

  /** The request as just shown by this instance (no storage read, no inflation), else read and profiled now. */
  void comparison(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("window"));
    Long window = p.window("window");
    long windowMs = window == null ? DAY_MS : window;
    if (windowMs > settings.maxWindowDays() * DAY_MS) {
      throw ApiError.badRequest("window must be at most " + settings.maxWindowDays() + "d");
    }
    long id = pathId(ctx);
    RecentRequests.Shown shown = recent.get(id, auth.projectsOf(user(ctx)), System.currentTimeMillis());
    Future<RecentRequests.Shown> subject = shown != null ? Future.succeededFuture(shown)
        : detail(ctx, id, false).compose(reply -> vertx.executeBlocking(() -> shown(reply.record()), false));
    subject.compose(request -> routes.baseline(baselineOf(request, windowMs)).compose(baseline ->
        vertx.executeBlocking(() -> compare(request.subject(), baseline, windowMs), false)))
        .onComplete(answer(ctx, body -> QueryResponses.json(ctx, body)));
  }

  private static BaselineRequest baselineOf(RecentRequests.Shown shown, long windowMs) {
    Comparison.Subject request = shown.subject();
    long at = shown.eventTimeMs();
    return new BaselineRequest(request.project(), request.route() == null ? "" : request.route(), at - windowMs,
        at + 1, request.id(), request.durationMs());
  }

  /** A stored request's compared side: its payload inflated and profiled (CPU work: a worker thread). */
  static RecentRequests.Shown shown(JsonObject record) {
    JsonObject payload = RecordViews.inflate(record).getJsonObject("payload", new JsonObject());
    Comparison.Subject subject = Comparison.Subject.of(record, PhpPayloadView.of(payload));
    return new RecentRequests.Shown(subject, record.getLong("event_time_ms"), 0, 0);
  }

  /** Inflates the baseline's sample of payloads: CPU work for a worker thread. */
  static JsonObject compare(Comparison.Subject request, Baseline baseline, long windowMs) {
    return Comparison.of(request, Comparison.RouteBaseline.of(baseline), TypicalRequest.of(baseline.payloads()),
        windowMs);
  }

  // ---- /api/correlation/:id ----

  void correlation(RoutingContext ctx) {
    new ApiParams(ctx.queryParams(), Set.of());
    String id = ctx.pathParam("correlationId");
    if (id == null || id.isBlank() || id.length() > 128) {
      throw ApiError.badRequest("correlation id must be 1 to 128 characters");
    }
    CorrelationLookup lookup = new CorrelationLookup(id.toLowerCase(java.util.Locale.ROOT),
        auth.projectsOf(user(ctx)), RequestReads.MAX_RELATED);
    // every record's payload is inflated: CPU work for a worker thread, not the event loop
    requests.correlated(lookup).compose(reply -> vertx.executeBlocking(() -> {
      JsonArray records = new JsonArray();
      for (JsonObject record : reply.rows()) {
        records.add("php".equals(record.getString("kind")) ? phpSummary(record) : RecordViews.related(record, id));
      }
      return new JsonObject().put("correlation_id", id).put("records", records);
    }, false)).onComplete(answer(ctx, body -> QueryResponses.json(ctx, body)));
  }

  private static JsonObject phpSummary(JsonObject row) {
    JsonObject record = RecordViews.inflate(row);
    record.remove("payload");
    return record;
  }

  // ---- /api/routes, /api/routes/:route/histogram ----

  void routes(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to", "limit"));
    long[] window = window(p);
    RouteWindow query = new RouteWindow(visibleProjects(ctx, p), window[0], window[1],
        p.integer("limit", 200, 1, 1000));
    routes.stats(query).onComplete(answer(ctx, reply -> QueryResponses.json(ctx, reply)));
  }

  void histogram(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to"));
    String route = ctx.pathParam("route");
    if (route == null || route.isEmpty() || route.length() > 1024) {
      throw ApiError.badRequest("route must be 1 to 1024 characters (URL-encoded in the path)");
    }
    List<String> projects = visibleProjects(ctx, p);
    if (projects.size() != 1) {
      throw ApiError.badRequest("project is required (exactly one)");
    }
    long[] window = window(p);
    RouteHistogram query = new RouteHistogram(projects.get(0), route, window[0], window[1]);
    routes.histogram(query).onComplete(answer(ctx, reply -> QueryResponses.json(ctx,
        reply.put("project", projects.get(0)).put("route", route))));
  }

  private long[] window(ApiParams p) {
    long now = System.currentTimeMillis();
    Long to = p.time("to");
    Long from = p.time("from");
    long end = to == null ? now : to;
    long start = from == null ? end - DAY_MS : from;
    if (start >= end) {
      throw ApiError.badRequest("from must be before to");
    }
    if (end - start > settings.maxWindowDays() * DAY_MS) {
      throw ApiError.badRequest("the window from..to must be at most " + settings.maxWindowDays() + " days");
    }
    return new long[] {start, end};
  }

  // ---- /api/database/:kind ----

  void database(RoutingContext ctx) {
    if ("incident".equals(ctx.pathParam("kind"))) {
      databaseIncident(ctx);
      return;
    }
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to", "limit", "before", "source"));
    String kind = ctx.pathParam("kind");
    String source = "other".equals(kind) ? p.text("source", 64) : DATABASE_SOURCES.get(kind);
    if (source == null || !source.matches("[a-z0-9_.\\-]{1,64}")) {
      throw ApiError.badRequest("unknown database view '" + kind + "'; use one of " + DATABASE_SOURCES.keySet()
          + " or other?source=<name>");
    }
    Long from = p.time("from");
    Long to = p.time("to");
    List<String> projects = visibleProjects(ctx, p);
    int limit = p.integer("limit", 50, 1, settings.maxPageSize());
    Long beforeTime = null;
    Long beforeId = null;
    String before = p.text("before", 64);
    if (before != null) {
      String[] parts = before.split(":");
      if (parts.length != 2 || !parts[0].matches("\\d{1,15}") || !parts[1].matches("\\d{1,18}")) {
        throw ApiError.badRequest("before must be the next_before value of a previous page");
      }
      beforeTime = Long.parseLong(parts[0]);
      beforeId = Long.parseLong(parts[1]);
    }
    DatabaseFilter filter = new DatabaseFilter(projects, source, from, to, limit, beforeTime, beforeId);
    // every record's payload is inflated: CPU work for a worker thread, not the event loop
    requests.databaseRecords(filter).compose(reply -> vertx.executeBlocking(() -> {
      JsonArray records = new JsonArray();
      for (JsonObject row : reply.rows()) {
        JsonObject record = RecordViews.inflate(row);
        JsonObject payload = record.getJsonObject("payload", new JsonObject());
        record.remove("payload");
        records.add(record.put("data", payload.getValue("data")));
      }
      String next = null;
      if (records.size() == limit) {
        JsonObject last = records.getJsonObject(records.size() - 1);
        next = last.getLong("event_time_ms") + ":" + last.getLong("id");
      }
      return new JsonObject().put("source", source).put("records", records).put("next_before", next);
    }, false)).onComplete(answer(ctx, body -> QueryResponses.json(ctx, body)));
  }

  // ---- /api/database/incident ----

  /**
   * Everything the database did in one project's window, shaped by {@link DatabaseIncident}. Each source is read
   * as one page of at most {@code maxPageSize} records, newest first ({@code truncated} says where more existed);
   * payloads are inflated on a worker thread, one at a time.
   */
  private void databaseIncident(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to"));
    List<String> projects = visibleProjects(ctx, p);
    if (projects.size() != 1) {
      throw ApiError.badRequest("project is required (exactly one)");
    }
    long now = System.currentTimeMillis();
    Long to = p.time("to");
    Long from = p.time("from");
    long end = to == null ? now : to;
    long start = from == null ? end - 3_600_000L : from;
    if (start >= end) {
      throw ApiError.badRequest("from must be before to");
    }
    if (end - start > settings.maxWindowDays() * DAY_MS) {
      throw ApiError.badRequest("the window from..to must be at most " + settings.maxWindowDays() + " days");
    }
    int limit = settings.maxPageSize();
    List<String> sources = List.of(PgSources.STATEMENTS, PgSources.LOCKS, PgSources.ACTIVITY, PgSources.LOG,
        PgSources.SYSTEM_METRICS, "pg_agent");
    List<Future<Rows>> reads = sources.stream().map(source -> requests.databaseRecords(
        new DatabaseFilter(projects, source, start, end, limit, null, null))).toList();
    Future.all(reads).compose(done -> vertx.executeBlocking(() -> {
      JsonArray[] rows = new JsonArray[sources.size()];
      JsonObject truncated = new JsonObject();
      for (int i = 0; i < sources.size(); i++) {
        rows[i] = new JsonArray(new ArrayList<>(reads.get(i).result().rows()));
        truncated.put(sources.get(i), rows[i].size() >= limit);
      }
      return new JsonObject().put("project", projects.get(0)).put("from_ms", start).put("to_ms", end)
          .put("statements", DatabaseIncident.statements(rows[0]))
          .put("lock_snapshots", DatabaseIncident.lockSnapshots(rows[1]))
          .put("sessions", DatabaseIncident.sessions(rows[2]))
          .put("logs", DatabaseIncident.logs(rows[3], start, end))
          .put("metrics", DatabaseIncident.metrics(rows[4]))
          .put("agent", DatabaseIncident.agent(rows[5]))
          .put("truncated", truncated);
    }, false)).onComplete(answer(ctx, body -> QueryResponses.json(ctx, body)));
  }

  // ---- helpers ----

  private static UserSettings user(RoutingContext ctx) {
    return ctx.get(Auth.SESSION_USER);
  }

  /** The requested projects (each must be visible: 403 otherwise) or, when none is named, all visible ones. */
  private List<String> visibleProjects(RoutingContext ctx, ApiParams p) {
    List<String> visible = auth.projectsOf(user(ctx));
    List<String> requested = p.projects();
    for (String project : requested) {
      if (!visible.contains(project)) {
        throw ApiError.forbidden("you may not see project '" + project + "'");
      }
    }
    if (visible.isEmpty()) {
      throw ApiError.forbidden("your user has no projects");
    }
    return requested.isEmpty() ? visible : requested;
  }

  private static long pathId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !id.matches("\\d{1,18}")) {
      throw ApiError.badRequest("request id must be a positive whole number");
    }
    return Long.parseLong(id);
  }

  /** Completion handler: success goes to {@code ok} (whose own failures are answered too), failure to fail(). */
  static <T> io.vertx.core.Handler<io.vertx.core.AsyncResult<T>> answer(RoutingContext ctx,
      java.util.function.Consumer<T> ok) {
    return done -> {
      if (done.failed()) {
        fail(ctx, done.cause());
        return;
      }
      try {
        ok.accept(done.result());
      } catch (RuntimeException e) {
        fail(ctx, e);
      }
    };
  }

  /** Answers a failed API future: our own 4xx as they are, storage trouble as 503, anything else as 500. */
  static void fail(RoutingContext ctx, Throwable failure) {
    if (failure instanceof ApiError error) {
      QueryResponses.error(ctx, error.status(), error.code(), error.getMessage());
    } else if (StorageError.isStorageFailure(failure) && !StorageError.of(failure).callerBug()) {
      ctx.response().putHeader("Retry-After", "2");
      QueryResponses.error(ctx, 503, "unavailable", "storage is unavailable or busy; try again");
    } else {
      LOG.error("Query API failure on {}", ctx.request().path(), failure);
      QueryResponses.error(ctx, 500, "internal_error", "the query failed; see the listener log");
    }
  }
}
