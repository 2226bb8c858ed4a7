package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** The HTTPS ingest endpoints: limits, rate limits, trusted proxies, back-pressure. */
public record IngestSettings(
    String host,
    int port,
    int maxBodyBytes,
    long bodyMemoryBytes,
    int maxDepth,
    int maxItems,
    double perKeyRate,
    int perKeyBurst,
    double perClientRate,
    int perClientBurst,
    List<Cidr> trustedProxies,
    int maxInFlight,
    int storageTimeoutMs,
    int bodyTimeoutMs,
    int headerTimeoutMs,
    long maxEventAgeSeconds,
    long maxEventFutureSeconds,
    int idleTimeoutSeconds,
    int retryAfterSeconds) {

  /** 0 (the default) derives the budget from the heap: an eighth of the maximum heap of this JVM. */
  private static long bodyMemoryBytes(ConfigReader ingest) {
    long configured = ingest.longValue("bodyMemoryBytes", 0, Long.MAX_VALUE);
    return configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 8;
  }

  public static IngestSettings from(JsonObject config) {
    ConfigReader ingest = new ConfigReader(config, "ingest");
    ConfigReader rate = ingest.child("rateLimit");
    double perKeyRate = rate.decimal("perKeyPerSecond", 0.1, 1_000_000);
    double perClientRate = rate.decimal("perClientPerSecond", 0.1, 1_000_000);
    return new IngestSettings(
        ingest.string("host"),
        ingest.integer("port", 0, 65535),
        ingest.integer("maxBodyBytes", 1024, 256 * 1024 * 1024),
        bodyMemoryBytes(ingest),
        ingest.integer("maxDepth", 8, 512),
        ingest.integer("maxItems", 1, 100_000),
        perKeyRate,
        rate.integer("perKeyBurst", (int) Math.max(1, perKeyRate * 2), 1, 10_000_000),
        perClientRate,
        rate.integer("perClientBurst", (int) Math.max(1, perClientRate * 2), 1, 10_000_000),
        Cidr.parseAll(ingest.strings("trustedProxies"), ingest.key("trustedProxies")),
        ingest.integer("maxInFlightPerInstance", 1, 1_000_000),
        ingest.integer("storageTimeoutMs", 100, 600_000),
        ingest.integer("bodyTimeoutMs", 100, 600_000),
        ingest.integer("headerTimeoutMs", 100, 600_000),
        ingest.longValue("maxEventAgeSeconds", 0, 100L * 365 * 86_400),
        ingest.longValue("maxEventFutureSeconds", 0, 100L * 365 * 86_400),
        ingest.integer("idleTimeoutSeconds", 1, 3600),
        ingest.integer("retryAfterSeconds", 1, 3600));
  }
}
