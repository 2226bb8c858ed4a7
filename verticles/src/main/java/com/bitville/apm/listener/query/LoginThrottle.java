package com.bitville.apm.listener.query;

import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per user name and client address: after {@code freeFailures} in a row, every further attempt
 * from that address for that user must wait 1, 2, 4, ... seconds (capped) after the last failure. A guesser
 * is slowed down exponentially, while the same user from another address (her usual one) is not refused:
 * nobody can lock a named user out. A success clears the entry. Shared by the query-server instances of a
 * node; bounded (idle entries are dropped first when it is full).
 */
final class LoginThrottle implements Shareable {

  private static final int MAX_ENTRIES = 100_000;

  private record Failures(int count, long lastFailureMs) {
  }

  private final int freeFailures;
  private final long maxDelayMs;
  private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();

  LoginThrottle(int freeFailures, long maxDelayMs) {
    this.freeFailures = freeFailures;
    this.maxDelayMs = maxDelayMs;
  }

  /** Whole seconds to wait before this user may try again from this address; 0 when allowed now. */
  long waitSeconds(String user, String address, long nowMs) {
    Failures entry = failures.get(key(user, address));
    if (entry == null) {
      return 0;
    }
    long remainingMs = entry.lastFailureMs() + delayMs(entry.count()) - nowMs;
    return remainingMs <= 0 ? 0 : (remainingMs + 999) / 1000;
  }

  void failed(String user, String address, long nowMs) {
    if (failures.size() >= MAX_ENTRIES) {
      dropIdle(nowMs);
    }
    failures.merge(key(user, address), new Failures(1, nowMs),
        (old, fresh) -> new Failures(old.count() + 1, nowMs));
  }

  void succeeded(String user, String address) {
    failures.remove(key(user, address));
  }

  private long delayMs(int count) {
    if (count < freeFailures) {
      return 0;
    }
    int doublings = Math.min(count - freeFailures, 30);
    return Math.min(maxDelayMs, 1000L << doublings);
  }

  /** Entries whose delay has passed long ago (twice the cap) carry no state worth keeping under pressure. */
  private void dropIdle(long nowMs) {
    failures.entrySet().removeIf(e -> nowMs - e.getValue().lastFailureMs() > 2 * maxDelayMs);
    if (failures.size() >= MAX_ENTRIES) {
      failures.clear();
    }
  }

  private static String key(String user, String address) {
    return user + '\n' + address;
  }
}
