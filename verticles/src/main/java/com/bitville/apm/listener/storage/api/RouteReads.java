package com.bitville.apm.listener.storage.api;

import com.bitville.apm.listener.bus.ServiceAddress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Route latency for the query server: statistics per route, a histogram per route and the baseline one request
 * is compared with. Short windows are exact; longer ones read the hourly histogram (whole hours, percentiles to
 * about +-5 %) and say so with {@code approximate}.
 */
@ServiceAddress("bitville.storage.routes.v1")
public interface RouteReads {

  int MAX_ROUTES = 1000;

  /**
   * The API's answer as it is: {@code {routes: [{project, route, count, p50, p95, p99, max, total}], approximate,
   * from_ms, to_ms}}.
   */
  Future<JsonObject> stats(RouteWindow window);

  /** The API's answer as it is: {@code {buckets: [{bucket, lower_ms, upper_ms, count, max_ms}], count, ...}}. */
  Future<JsonObject> histogram(RouteHistogram request);

  /** The route's requests in the window other than the compared one, and a sample of their payloads. */
  Future<Baseline> baseline(BaselineRequest request);

  record RouteWindow(List<String> projects, long fromMs, long toMs, int limit) {
  }

  record RouteHistogram(String project, String route, long fromMs, long toMs) {
  }

  record BaselineRequest(String project, String route, long fromMs, long toMs, long excludeId, double durationMs) {
  }

  /**
   * @param faster how many of the {@code count} requests were faster than {@code durationMs}
   * @param p50 nearest-rank percentiles of the durations, null without requests
   * @param payloads the compressed payloads of the route's most recent requests (the sample)
   */
  record Baseline(long count, long faster, Double p50, Double p95, Double p99, List<byte[]> payloads) {
  }
}
