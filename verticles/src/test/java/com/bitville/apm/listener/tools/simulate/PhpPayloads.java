package com.bitville.apm.listener.tools.simulate;

import com.bitville.apm.listener.tools.simulate.TrafficGenerator.SimRequest;
import com.bitville.apm.listener.tools.simulate.TrafficGenerator.SqlExec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds PHP agent payloads shaped like the real ones (fixtures {@code php-agent/wire}): request, response,
 * timing, XHProf {@code top_functions} as {@code caller==>callee} edges with inclusive wall times, SQL statements
 * with literals, stack and correlation id, server and meta blocks.
 */
final class PhpPayloads {

  private final SplittableRandom random;

  PhpPayloads(SplittableRandom random) {
    this.random = random;
  }

  JsonObject payload(SimRequest request) {
    double end = request.endMs() / 1000.0;
    double start = end - request.durationMs() / 1000.0;
    String url = "https://shop.example.com" + request.route().urlTemplate().replace("%d",
        Integer.toString(1 + random.nextInt(5000)));
    JsonObject headers = new JsonObject().put("Host", "shop.example.com")
        .put("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36")
        .put("Accept", "text/html").put("X-Forwarded-Proto", "https");
    JsonObject serverBlock = new JsonObject().put("server_software", "nginx/1.24.0")
        .put("server_name", "shop.example.com").put("remote_addr", "10.0.3.2").put("server_addr", "10.0.3.17")
        .put("document_root", "/var/www/project/site/public").put("php_self", "/index.php");
    return new JsonObject()
        .put("correlation_id", request.correlationId())
        .put("project", "shop")
        .put("timestamp", end)
        .put("elapsed_ms", request.durationMs())
        .put("threshold_ms", (int) TrafficGenerator.PHP_THRESHOLD_MS)
        .put("request", new JsonObject().put("url", url).put("method", request.route().method())
            .put("headers", headers).put("get", new JsonArray()).put("post", new JsonArray())
            .put("files", new JsonArray()).put("server", serverBlock).put("timestamp", end))
        .put("response", new JsonObject().put("status_code", 200).put("headers_sent", true)
            .put("output_buffering", false).putNull("content_type"))
        .put("timing", new JsonObject().put("start_time", start).put("elapsed_ms", request.durationMs())
            .put("request_time_float", start - 0.002))
        .put("xhprof", xhprof(request))
        .put("sql", sql(request))
        .put("server", new JsonObject().put("hostname", request.host()).put("php_version", "8.2.36")
            .put("sapi", "fpm-fcgi"))
        .put("custom", new JsonObject().put("route_name", request.route().action()))
        .put("_meta", new JsonObject().put("timestamp", end).put("php_version", "8.2.36")
            .put("transmitter_version", "1.0"));
  }

  /** Edges with inclusive wall time: each function's inclusive time is its self time plus its children's. */
  private JsonObject xhprof(SimRequest request) {
    Map<String, Double> self = request.self();
    double sqlMs = request.sql().stream().mapToDouble(SqlExec::timeMs).sum();
    int sqlCalls = request.sql().size();
    List<JsonObject> edges = new ArrayList<>();
    double view = self.getOrDefault(Routes.VIEW, 0.0) + self.getOrDefault(Routes.VOLT, 0.0);
    double rules = self.getOrDefault(Routes.RULE_MATCHES, 0.0);
    double discounts = self.containsKey(Routes.DISCOUNTS) ? self.get(Routes.DISCOUNTS) + rules : 0;
    double payment = self.getOrDefault(Routes.PAYMENT, 0.0);
    double service = self.getOrDefault(request.route().service(), 0.0) + sqlMs * 1.03 + discounts + payment;
    double action = self.getOrDefault(request.route().action(), 0.0) + service + view;
    String act = request.route().action();
    String svc = request.route().service();
    edges.add(edge(Routes.KERNEL, 1, action + 1.5));
    edges.add(edge(Routes.KERNEL + "==>" + act, 1, action));
    edges.add(edge(act + "==>" + svc, 1, service));
    if (sqlCalls > 0) {
      edges.add(edge(svc + "==>" + Routes.REPOSITORY, sqlCalls, sqlMs * 1.03));
      edges.add(edge(Routes.REPOSITORY + "==>" + Routes.DB_QUERY, sqlCalls, sqlMs * 1.01));
      edges.add(edge(Routes.DB_QUERY + "==>" + Routes.PDO_EXECUTE, sqlCalls, sqlMs));
    }
    if (discounts > 0) {
      edges.add(edge(svc + "==>" + Routes.DISCOUNTS, 1, discounts));
      edges.add(edge(Routes.DISCOUNTS + "==>" + Routes.RULE_MATCHES, 40, rules));
    }
    if (payment > 0) {
      edges.add(edge(svc + "==>" + Routes.PAYMENT, 1, payment));
      edges.add(edge(Routes.PAYMENT + "==>curl_exec", 1, payment * 0.97));
    }
    if (view > 0) {
      edges.add(edge(act + "==>" + Routes.VIEW, 1, view));
      edges.add(edge(Routes.VIEW + "==>" + Routes.VOLT, 1, self.getOrDefault(Routes.VOLT, 0.0)));
    }
    edges.sort(Comparator.comparingLong((JsonObject e) -> e.getLong("wall_time_us")).reversed());
    long totalWall = edges.stream().mapToLong(e -> e.getLong("wall_time_us")).sum();
    JsonArray top = new JsonArray();
    JsonArray hotspots = new JsonArray();
    for (JsonObject e : edges) {
      double pct = Math.round(e.getLong("wall_time_us") * 1000.0 / Math.max(1, totalWall)) / 10.0;
      top.add(e.put("pct_of_total", pct));
      if (hotspots.size() < 5) {
        hotspots.add(new JsonObject().put("name", e.getString("name")).put("pct", pct)
            .put("wall_time_ms", e.getDouble("wall_time_ms")));
      }
    }
    return new JsonObject().put("profiling", new JsonObject().put("total_calls", 400 + sqlCalls * 20)
            .put("total_wall_time", totalWall).put("top_functions", top))
        .put("hotspots", hotspots)
        .put("memory", new JsonObject().put("peak_usage", 4194304).put("current_usage", 2097152)
            .put("peak_usage_no_real", 3005704))
        .put("raw_count", edges.size() + 60);
  }

  private static JsonObject edge(String name, long calls, double wallMs) {
    long us = Math.round(wallMs * 1000);
    return new JsonObject().put("name", name).put("calls", calls).put("wall_time_us", us)
        .put("wall_time_ms", Math.round(us / 10.0) / 100.0);
  }

  private static JsonObject sql(SimRequest request) {
    if (request.sql().isEmpty()) {
      return null;
    }
    JsonArray queries = new JsonArray();
    double total = 0;
    int slow = 0;
    for (SqlExec exec : request.sql()) {
      double ms = Math.round(exec.timeMs() * 1000) / 1000.0;
      total += ms;
      slow += ms > 100 ? 1 : 0;
      queries.add(new JsonObject().put("sql", exec.text()).put("time_ms", ms).put("variables_count", 1)
          .put("stack", new JsonArray().add(new JsonObject().put("file", "/var/www/project/site/app/Repositories/"
              + "Repository.php").put("line", 88).put("function", "q").put("class", "App\\Repositories\\Repository")
              .put("type", "->")))
          .put("correlation_id", request.correlationId())
          .put("connection", new JsonObject().put("host", "db-primary.internal").put("dbname", "shop_production")
              .put("port", 5432)));
    }
    return new JsonObject().put("summary", new JsonObject().put("total_queries", queries.size())
            .put("total_time_ms", Math.round(total * 100) / 100.0).put("slow_queries_count", slow)
            .put("queries_truncated", false))
        .put("queries", queries).put("correlation_id", request.correlationId());
  }
}
