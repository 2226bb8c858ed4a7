package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Where and how the GELF forwarder sends. Disabled by default: the forwarder then idles (no connection, the
 * outbox cursor does not move) and reports itself up; enabling it later forwards what is still stored.
 */
public record GraylogSettings(
    boolean enabled,
    String host,
    int port,
    String transport,
    boolean tls,
    boolean tlsTrustAll,
    String tlsCaPath,
    long connectTimeoutMs,
    long backoffInitialMs,
    long backoffMaxMs,
    int circuitMaxFailures,
    long circuitResetMs,
    int fullMessageMaxBytes,
    double slowThresholdMs,
    int pageSize,
    long replayIntervalMs,
    long confirmDelayMs,
    long resendWindowMs,
    int udpChunkBytes,
    int storageTimeoutMs) {

  public static final String TCP = "tcp";
  public static final String UDP = "udp";

  public static GraylogSettings from(JsonObject config) {
    ConfigReader graylog = new ConfigReader(config, "graylog");
    boolean enabled = graylog.bool("enabled", false);
    String host = graylog.string("host", "127.0.0.1");
    if (enabled && host.isBlank()) {
      throw new ConfigException("graylog.host must be set when graylog.enabled is true");
    }
    long initial = graylog.longValue("backoffInitialMs", 500, 10, 600_000);
    long max = graylog.longValue("backoffMaxMs", 30_000, 10, 3_600_000);
    if (max < initial) {
      throw new ConfigException("graylog.backoffMaxMs must be at least graylog.backoffInitialMs");
    }
    return new GraylogSettings(
        enabled,
        host,
        graylog.integer("port", 12201, 1, 65535),
        graylog.oneOf("transport", TCP, List.of(TCP, UDP)),
        graylog.bool("tls", false),
        graylog.bool("tlsTrustAll", false),
        graylog.string("tlsCaPath", ""),
        graylog.longValue("connectTimeoutMs", 5_000, 100, 120_000),
        initial,
        max,
        graylog.integer("circuitMaxFailures", 3, 1, 1_000),
        graylog.longValue("circuitResetMs", 10_000, 50, 3_600_000),
        graylog.integer("fullMessageMaxBytes", 256 * 1024, 1_024, 1024 * 1024),
        graylog.decimal("slowThresholdMs", 2_000, 0, 86_400_000),
        graylog.integer("pageSize", 200, 1, 1_000),
        graylog.longValue("replayIntervalMs", 30_000, 100, 86_400_000),
        graylog.longValue("confirmDelayMs", 300, 0, 60_000),
        graylog.longValue("resendWindowMs", 10_000, 0, 600_000),
        graylog.integer("udpChunkBytes", 1_420, 512, 8_192),
        graylog.integer("storageTimeoutMs", 10_000, 100, 600_000));
  }
}
