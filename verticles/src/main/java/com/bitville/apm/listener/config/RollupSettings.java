package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;

/**
 * {@code rollup.*}: the rollup verticle's page size (records, and compressed payload bytes), how often it looks for new records when nothing woke it, the
 * retention of the rollups (independent of the raw records') and the storage deadline.
 */
public record RollupSettings(boolean enabled, int pageRecords, long pageBytes, long idleMs, int retentionDays,
    long expireIntervalMs, long storageTimeoutMs) {

  public static RollupSettings from(JsonObject config) {
    ConfigReader rollup = new ConfigReader(config, "rollup");
    return new RollupSettings(rollup.bool("enabled", true), rollup.integer("pageRecords", 500, 1, 2_000),
        rollup.longValue("pageBytes", 8L << 20, 65_536, 256L << 20), rollup.longValue("idleMs", 1_000, 50, 600_000),
        rollup.child("retention").integer("days", 90, 1, 3_650),
        rollup.longValue("expireIntervalMs", 3_600_000, 1_000, 86_400_000),
        rollup.longValue("storageTimeoutMs", 30_000, 1_000, 600_000));
  }
}
