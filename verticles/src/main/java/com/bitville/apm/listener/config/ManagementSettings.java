package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;

/** The per-node management endpoint (/health, /ready, /metrics), on loopback by default. */
public record ManagementSettings(String host, int port, long minFreeDiskBytes) {

  public static ManagementSettings from(JsonObject config) {
    ConfigReader management = new ConfigReader(config, "management");
    return new ManagementSettings(
        management.string("host"),
        management.integer("port", 0, 65535),
        management.longValue("minFreeDiskBytes", 0, Long.MAX_VALUE));
  }
}
