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
        query.string("host"),
        query.integer("port", 0, 65535),
        query.integer("sessionTimeoutMinutes", 1, 7 * 24 * 60),
        login.decimal("attemptsPerMinute", 0.1, 10_000),
        login.integer("burst", 1, 10_000),
        login.integer("perClientBurst", 1, 100_000),
        query.integer("storageTimeoutMs", 100, 600_000),
        query.integer("maxPageSize", 1, 500),
        query.longValue("maxWindowDays", 1, 3650),
        query.integer("liveMaxPerSecond", 1, 100_000),
        query.integer("headerTimeoutMs", 100, 600_000),
        query.integer("idleTimeoutSeconds", 1, 3600));
  }
}
