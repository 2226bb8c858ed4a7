package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * The SQLite file and its group commit. {@code synchronous=FULL} by default: an acknowledged record survives
 * a power cut, not only a crash; group commit amortizes the fsync over every record of a batch.
 * {@code deduplicatePhp}: a PHP request already stored (same project and correlation id) is not stored again,
 * so retried and re-imported agent data never doubles; off only to measure what the check costs.
 */
public record StorageSettings(
    Path dbPath,
    String synchronous,
    int maxBatchRecords,
    int maxQueuedRecords,
    int readPoolSize,
    int busyTimeoutMs,
    boolean deduplicatePhp) {

  public static StorageSettings from(JsonObject config, NodeSettings node) {
    ConfigReader storage = new ConfigReader(config, "storage");
    String dbPath = storage.string("dbPath");
    return new StorageSettings(
        dbPath.isBlank() ? node.dataDir().resolve("bitville.db") : Path.of(dbPath).toAbsolutePath(),
        storage.oneOf("synchronous", List.of("FULL", "NORMAL", "EXTRA")),
        storage.integer("maxBatchRecords", 1, 100_000),
        storage.integer("maxQueuedRecords", 10, 10_000_000),
        storage.integer("readPoolSize", 1, 64),
        storage.integer("busyTimeoutMs", 0, 600_000),
        storage.bool("deduplicatePhp"));
  }
}
