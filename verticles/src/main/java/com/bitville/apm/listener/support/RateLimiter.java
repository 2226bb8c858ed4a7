package com.bitville.apm.listener.support;

import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets keyed by a string (a project's key, a client address). Shared by every ingest instance of
 * this node through a local map, so the configured rate is per node, not per instance. The map is bounded:
 * when it grows past its cap (e.g. a flood of spoofed addresses), full and idle buckets are dropped.
 */
public final class RateLimiter implements Shareable {

  private static final int MAX_BUCKETS = 100_000;

  private static final class Bucket {
    private double tokens;
    private long lastRefillNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastRefillNanos = now;
    }
  }

  private final double ratePerSecond;
  private final int burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiter(double ratePerSecond, int burst) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
  }

  /** Takes one token; returns 0 when allowed, else the whole seconds until a token will be available. */
  public long tryAcquire(String key) {
    long now = System.nanoTime();
    if (buckets.size() > MAX_BUCKETS) {
      evictIdle(now);
    }
    Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
    synchronized (bucket) {
      double elapsedSeconds = (now - bucket.lastRefillNanos) / 1e9;
      bucket.tokens = Math.min(burst, bucket.tokens + elapsedSeconds * ratePerSecond);
      bucket.lastRefillNanos = now;
      if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1.0 - bucket.tokens) / ratePerSecond));
    }
  }

  private void evictIdle(long now) {
    long fullAfterNanos = (long) (burst / ratePerSecond * 1e9);
    buckets.entrySet().removeIf(e -> now - e.getValue().lastRefillNanos > fullAfterNanos);
    if (buckets.size() > MAX_BUCKETS) {
      buckets.clear();
    }
  }
}
