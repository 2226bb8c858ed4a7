package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Retention policy: keep {@code days} (fractional allowed, e.g. for tests), per-project overrides under
 * {@code projects}, an optional disk budget for the database file (+ WAL), and how gently to delete:
 * batches of {@code batchSize} records with {@code pauseMs} between them so group commits interleave.
 */
public record RetentionSettings(
    double days,
    Map<String, Double> projectDays,
    long intervalMs,
    long initialDelayMs,
    long maxDatabaseBytes,
    int batchSize,
    long pauseMs,
    int maxBatchesPerRun,
    int vacuumStepPages,
    int freePagesReserve) {

  private static final double MAX_DAYS = 3650;

  public static RetentionSettings from(JsonObject config) {
    ConfigReader retention = new ConfigReader(config, "retention");
    ConfigReader projects = retention.child("projects");
    double days = retention.decimal("days", 0.000001, MAX_DAYS);
    Map<String, Double> projectDays = new LinkedHashMap<>();
    for (String name : projects.raw().fieldNames()) {
      ConfigReader project = projects.child(name);
      // an entry without days overrides nothing: the project keeps the policy's days
      projectDays.put(name.toLowerCase(Locale.ROOT), project.decimal("days", days, 0.000001, MAX_DAYS));
    }
    return new RetentionSettings(
        days,
        projectDays,
        retention.longValue("intervalMs", 100, 7L * 24 * 3_600_000),
        retention.longValue("initialDelayMs", 0, 24L * 3_600_000),
        retention.longValue("maxDatabaseBytes", 0, Long.MAX_VALUE),
        retention.integer("batchSize", 1, 5_000),
        retention.longValue("pauseMs", 0, 10_000),
        retention.integer("maxBatchesPerRun", 1, 10_000_000),
        retention.integer("vacuumStepPages", 1, 100_000),
        retention.integer("freePagesReserve", 0, 10_000_000));
  }

  public long maxAgeMs(String project) {
    return Math.round(projectDays.getOrDefault(project, days) * 86_400_000.0);
  }

  public long defaultMaxAgeMs() {
    return Math.round(days * 86_400_000.0);
  }
}
