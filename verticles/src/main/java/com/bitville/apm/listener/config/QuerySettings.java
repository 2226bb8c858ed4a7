package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;

/** The query server: REST API, web UI and live feed on its own HTTPS port, with its limits and sessions. */
public record QuerySettings(
    String host,
    int port,
    int sessionTimeoutMinutes,
    double loginAttemptsPerMinute,
    int loginBurst,
    int loginPerClientBurst,
    int storageTimeoutMs,
    int maxPageSize,
    long maxWindowDays,
    int liveMaxPerSecond,
    int headerTimeoutMs,
    int idleTimeoutSeconds) {

  public static QuerySettings from(JsonObject config) {
    ConfigReader query = new ConfigReader(config, "query");
    ConfigReader login = query.child("login");
    return new QuerySettings(
        query.string("host", "0.0.0.0"),
        query.integer("port", 8080, 0, 65535),
        query.integer("sessionTimeoutMinutes", 480, 1, 7 * 24 * 60),
        login.decimal("attemptsPerMinute", 5, 0.1, 10_000),
        login.integer("burst", 5, 1, 10_000),
        login.integer("perClientBurst", 20, 1, 100_000),
        query.integer("storageTimeoutMs", 15_000, 100, 600_000),
        query.integer("maxPageSize", 200, 1, 500),
        query.longValue("maxWindowDays", 31, 1, 3650),
        query.integer("liveMaxPerSecond", 50, 1, 100_000),
        query.integer("headerTimeoutMs", 10_000, 100, 600_000),
        query.integer("idleTimeoutSeconds", 120, 1, 3600));
  }
}
