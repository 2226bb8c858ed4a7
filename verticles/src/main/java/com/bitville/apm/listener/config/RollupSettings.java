package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;

/**
 * {@code rollup.*}: the rollup verticle's page size (records, and compressed payload bytes), how often it looks for new records when nothing woke it, the
 * retention of the rollups (independent of the raw records'), the storage deadline, and the share of the time it may
 * spend catching up on a backlog (it pauses between full pages for the rest).
 */
public record RollupSettings(boolean enabled, int pageRecords, long pageBytes, long idleMs, int retentionDays,
    long expireIntervalMs, long storageTimeoutMs, double catchUpShare) {

  public static RollupSettings from(JsonObject config) {
    ConfigReader rollup = new ConfigReader(config, "rollup");
    return new RollupSettings(rollup.bool("enabled"), rollup.integer("pageRecords", 1, 2_000),
        rollup.longValue("pageBytes", 65_536, 256L << 20), rollup.longValue("idleMs", 50, 600_000),
        rollup.child("retention").integer("days", 1, 3_650),
        rollup.longValue("expireIntervalMs", 1_000, 86_400_000),
        rollup.longValue("storageTimeoutMs", 1_000, 600_000), rollup.decimal("catchUpShare", 0.05, 1.0));
  }
}
