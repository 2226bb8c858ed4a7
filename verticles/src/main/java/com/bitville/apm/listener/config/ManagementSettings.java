package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;

/** The per-node management endpoint (/health, /ready, /metrics), on loopback by default. */
public record ManagementSettings(String host, int port, long minFreeDiskBytes) {

  public static ManagementSettings from(JsonObject config) {
    ConfigReader management = new ConfigReader(config, "management");
    return new ManagementSettings(
        management.string("host", "127.0.0.1"),
        management.integer("port", 9191, 0, 65535),
        management.longValue("minFreeDiskBytes", 256L * 1024 * 1024, 0, Long.MAX_VALUE));
  }
}
