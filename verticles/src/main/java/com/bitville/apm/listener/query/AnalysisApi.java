package com.bitville.apm.listener.query;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.analysis.RollupReads;
import com.bitville.apm.listener.analysis.RollupReads.OverviewPoint;
import com.bitville.apm.listener.analysis.SpikeDetector;
import com.bitville.apm.listener.analysis.SpikeSettings;
import com.bitville.apm.listener.analysis.WindowAnalysis;
import com.bitville.apm.listener.config.QuerySettings;
import com.bitville.apm.listener.config.UserSettings;
import com.bitville.apm.listener.storage.api.RollupStore;
import com.bitville.apm.listener.storage.api.RollupStore.EdgesRequest;
import com.bitville.apm.listener.storage.api.RollupStore.OverviewRequest;
import com.bitville.apm.listener.storage.api.RollupStore.WindowRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * {@code /api/overview}, {@code /api/spikes} and {@code /api/analysis}: the per-minute rollups of one project as a
 * time series, the spikes detected in it, and a window compared with its baseline. Same login and per-project
 * rights as the rest of the API; the project is required. See docs/spike-analysis.md.
 */
final class AnalysisApi {

  static final double PHP_THRESHOLD_MS = 500;
  private static final long MINUTE_MS = 60_000;
  private static final long DAY_MS = 86_400_000L;
  private static final long TARGET_POINTS = 720;
  private static final long MAX_POINTS = 5_000;
  private static final long MAX_RANGE_MS = 400 * DAY_MS;

  private final Vertx vertx;
  private final QuerySettings settings;
  private final RollupStore rollups;
  private final Auth auth;
  private final SpikeSettings spikeSettings;

  AnalysisApi(Vertx vertx, QuerySettings settings, Auth auth, SpikeSettings spikeSettings) {
    this.vertx = vertx;
    this.settings = settings;
    this.rollups = ServiceBus.client(vertx, RollupStore.class, settings.storageTimeoutMs());
    this.auth = auth;
    this.spikeSettings = spikeSettings;
  }

  // ---- /api/overview ----

  void overview(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to", "step"));
    String project = project(ctx, p);
    long[] range = range(p, "from", "to", true);
    long step = step(p, range);
    Future.all(points(project, range[0], range[1], step), caughtUp()).onComplete(QueryApi.answer(ctx, all -> {
      List<OverviewPoint> points = all.resultAt(0);
      JsonArray list = new JsonArray();
      points.forEach(point -> list.add(point.toJson()));
      QueryResponses.json(ctx, caught(all.resultAt(1)).put("project", project).put("from", range[0])
          .put("to", range[1]).put("step_ms", step).put("php_threshold_ms", PHP_THRESHOLD_MS).put("points", list));
    }));
  }

  // ---- /api/spikes ----

  void spikes(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to", "step"));
    String project = project(ctx, p);
    long[] range = range(p, "from", "to", true);
    long step = step(p, range);
    long leadIn = range[0] - spikeSettings.baselineIntervals() * step;
    Future.all(points(project, leadIn, range[1], step), caughtUp()).compose(all -> vertx.executeBlocking(() -> {
      List<OverviewPoint> points = all.resultAt(0);
      List<SpikeDetector.Point> series = points.stream().map(o -> new SpikeDetector.Point(o.t(), o.requests(),
          o.totalMs(), o.dbWaiting() == null ? 0 : o.dbWaiting())).toList();
      JsonArray spikes = new JsonArray();
      new SpikeDetector(spikeSettings).detect(series, step, range[0]).forEach(s -> spikes.add(s.toJson()));
      return caught(all.resultAt(1)).put("project", project).put("from", range[0]).put("to", range[1])
          .put("step_ms", step).put("php_threshold_ms", PHP_THRESHOLD_MS).put("rule", rule()).put("spikes", spikes);
    }, false)).onComplete(QueryApi.answer(ctx, body -> QueryResponses.json(ctx, body)));
  }

  private JsonObject rule() {
    SpikeSettings s = spikeSettings;
    return new JsonObject().put("baseline_intervals", s.baselineIntervals()).put("threshold", s.threshold())
        .put("min_ratio", s.minRatio()).put("min_intervals", s.minIntervals())
        .put("min_requests_per_minute", s.minRequestsPerMinute()).put("min_time_ms_per_minute", s.minTimeMsPerMinute())
        .put("min_db_waiting", s.minDbWaiting());
  }

  // ---- /api/analysis ----

  void analysis(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to", "baseline", "baseline_from",
        "baseline_to"));
    String project = project(ctx, p);
    long[] window = range(p, "from", "to", false);
    long[] baseline = baseline(p, window);
    Future.all(window(project, window), window(project, baseline), caughtUp())
        .compose(all -> vertx.executeBlocking(() -> caught(all.resultAt(2)).mergeIn(WindowAnalysis.compare(
            RollupReads.window(all.resultAt(0)), RollupReads.window(all.resultAt(1)), PHP_THRESHOLD_MS))
            .put("project", project), false))
        .onComplete(QueryApi.answer(ctx, body -> QueryResponses.json(ctx, body)));
  }

  /** Default: the same length just before the window; "yesterday": the same hours a day earlier; or any range. */
  private long[] baseline(ApiParams p, long[] window) {
    long length = window[1] - window[0];
    String kind = p.oneOf("baseline", "before", Set.of("before", "yesterday", "range"));
    long[] baseline;
    if (p.time("baseline_from") != null || p.time("baseline_to") != null || kind.equals("range")) {
      baseline = range(p, "baseline_from", "baseline_to", false);
    } else if (kind.equals("yesterday")) {
      baseline = new long[] {window[0] - DAY_MS, window[1] - DAY_MS};
    } else {
      baseline = new long[] {window[0] - length, window[0]};
    }
    if (baseline[0] < window[1] && window[0] < baseline[1]) {
      throw ApiError.badRequest("the baseline must not overlap the window");
    }
    return baseline;
  }

  // ---- /api/flamegraph ----

  /** The window's aggregated XHProf edges, for an icicle: each edge's callee under its caller. */
  void flamegraph(RoutingContext ctx) {
    ApiParams p = new ApiParams(ctx.queryParams(), Set.of("project", "from", "to", "limit"));
    String project = project(ctx, p);
    long[] range = range(p, "from", "to", true);
    int limit = p.integer("limit", 2_000, 1, 5_000);
    Future.all(rollups.edges(new EdgesRequest(project, range[0], range[1], limit)), caughtUp()).onComplete(QueryApi.answer(ctx, all -> {
          JsonObject reply = all.resultAt(0);
          JsonArray edges = new JsonArray();
          for (Object item : reply.getJsonArray("edges")) {
            JsonObject row = (JsonObject) item;
            String edge = row.getString("edge");
            int arrow = edge.indexOf("==>");
            edges.add(new JsonObject().put("name", edge).put("caller", arrow < 0 ? null : edge.substring(0, arrow))
                .put("callee", arrow < 0 ? edge : edge.substring(arrow + 3)).put("calls", row.getLong("calls"))
                .put("wall_ms", row.getLong("wall_us") / 1000.0).put("requests", row.getLong("requests")));
          }
          QueryResponses.json(ctx, caught(all.resultAt(1)).put("project", project).put("from", range[0])
              .put("to", range[1]).put("requests", reply.getLong("requests")).put("php_threshold_ms", PHP_THRESHOLD_MS)
              .put("edges", edges));
        }));
  }

  // ---- helpers ----

  private String project(RoutingContext ctx, ApiParams p) {
    List<String> requested = p.projects();
    if (requested.size() != 1) {
      throw ApiError.badRequest("project is required (exactly one)");
    }
    UserSettings user = ctx.get(Auth.SESSION_USER);
    if (!auth.projectsOf(user).contains(requested.get(0))) {
      throw ApiError.forbidden("you may not see project '" + requested.get(0) + "'");
    }
    return requested.get(0);
  }

  /** Minute-aligned [from, to); {@code defaulted}: to defaults to now and from to 24 h before to. */
  private static long[] range(ApiParams p, String fromName, String toName, boolean defaulted) {
    Long from = p.time(fromName);
    Long to = p.time(toName);
    if (!defaulted && (from == null || to == null)) {
      throw ApiError.badRequest(fromName + " and " + toName + " are required");
    }
    long end = to == null ? System.currentTimeMillis() : to;
    long start = from == null ? end - DAY_MS : from;
    start -= Math.floorMod(start, MINUTE_MS);
    end += Math.floorMod(-end, MINUTE_MS);
    if (start >= end) {
      throw ApiError.badRequest(fromName + " must be before " + toName);
    }
    if (end - start > MAX_RANGE_MS) {
      throw ApiError.badRequest(fromName + ".." + toName + " must be at most " + MAX_RANGE_MS / DAY_MS + " days");
    }
    return new long[] {start, end};
  }

  /** The {@code step} given (whole minutes, like 5m or 300000), else about 720 intervals over the range. */
  private static long step(ApiParams p, long[] range) {
    String text = p.text("step", 16);
    long step;
    if (text == null) {
      long raw = (range[1] - range[0]) / TARGET_POINTS;
      step = Math.max(MINUTE_MS, (raw + MINUTE_MS - 1) / MINUTE_MS * MINUTE_MS);
    } else if (text.matches("\\d{1,12}")) {
      step = Long.parseLong(text);
    } else {
      step = p.window("step");
    }
    if (step < MINUTE_MS || step % MINUTE_MS != 0) {
      throw ApiError.badRequest("step must be whole minutes (rollups are per minute), e.g. 1m, 5m, 1h or 300000");
    }
    if ((range[1] - range[0]) / step > MAX_POINTS) {
      throw ApiError.badRequest("at most " + MAX_POINTS + " intervals: use a larger step");
    }
    return step;
  }

  private Future<List<OverviewPoint>> points(String project, long from, long to, long step) {
    return rollups.overview(new OverviewRequest(project, from, to, step)).map(reply -> RollupReads.overview(reply, from, to, step));
  }

  private Future<JsonObject> window(String project, long[] range) {
    return rollups.window(new WindowRequest(project, range[0], range[1]));
  }

  private Future<JsonObject> caughtUp() {
    return rollups.cursor();
  }

  /** Rollups are complete up to now when no stored record waits; otherwise up to the last one rolled up. */
  private static JsonObject caught(JsonObject cursor) {
    long backlog = cursor.getLong("backlog");
    long caughtUp = backlog == 0 ? System.currentTimeMillis() : cursor.getLong("caught_up_received_ms");
    return new JsonObject().put("caught_up_to_ms", caughtUp).put("rollup_backlog", backlog);
  }
}
