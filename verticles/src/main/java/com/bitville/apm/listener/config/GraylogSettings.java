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
    boolean enabled = graylog.bool("enabled");
    String host = graylog.string("host");
    if (enabled && host.isBlank()) {
      throw new ConfigException("graylog.host must be set when graylog.enabled is true");
    }
    long initial = graylog.longValue("backoffInitialMs", 10, 600_000);
    long max = graylog.longValue("backoffMaxMs", 10, 3_600_000);
    if (max < initial) {
      throw new ConfigException("graylog.backoffMaxMs must be at least graylog.backoffInitialMs");
    }
    return new GraylogSettings(
        enabled,
        host,
        graylog.integer("port", 1, 65535),
        graylog.oneOf("transport", List.of(TCP, UDP)),
        graylog.bool("tls"),
        graylog.bool("tlsTrustAll"),
        graylog.string("tlsCaPath"),
        graylog.longValue("connectTimeoutMs", 100, 120_000),
        initial,
        max,
        graylog.integer("circuitMaxFailures", 1, 1_000),
        graylog.longValue("circuitResetMs", 50, 3_600_000),
        graylog.integer("fullMessageMaxBytes", 1_024, 1024 * 1024),
        graylog.decimal("slowThresholdMs", 0, 86_400_000),
        graylog.integer("pageSize", 1, 1_000),
        graylog.longValue("replayIntervalMs", 100, 86_400_000),
        graylog.longValue("confirmDelayMs", 0, 60_000),
        graylog.longValue("resendWindowMs", 0, 600_000),
        graylog.integer("udpChunkBytes", 512, 8_192),
        graylog.integer("storageTimeoutMs", 100, 600_000));
  }
}
