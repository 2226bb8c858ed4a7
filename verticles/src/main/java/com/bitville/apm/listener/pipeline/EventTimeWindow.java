package com.bitville.apm.listener.pipeline;

import com.bitville.apm.listener.config.IngestSettings;
import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.normalize.InvalidPayloadException;

/**
 * Which agent timestamps are plausible: not before 2000-01-01 (which also catches seconds far in the future
 * that the millisecond heuristic turned into a 1970s time), not more than {@code maxFutureMs} after the
 * receive time (a timestamp of the year 3000 would stay on top of every "newest first" list), and, when
 * {@code maxAgeMs} is set, not older than that. A record without a timestamp (receive time used) is not
 * checked.
 */
public record EventTimeWindow(long maxAgeMs, long maxFutureMs) {

  /** The window of {@code ingest.maxEventAgeSeconds} and {@code ingest.maxEventFutureSeconds}. */
  public static EventTimeWindow of(IngestSettings settings) {
    return new EventTimeWindow(settings.maxEventAgeSeconds() * 1000, settings.maxEventFutureSeconds() * 1000);
  }

  /** 2000-01-01T00:00:00Z. */
  static final long FLOOR_MS = 946_684_800_000L;

  /** @throws InvalidPayloadException naming {@code path + ".timestamp"} when the record's time is implausible */
  void check(IngestRecord record, long receivedAtMs, String path) {
    if (record.eventTimeEstimated()) {
      return;
    }
    long at = record.eventTimeMs();
    if (at < FLOOR_MS) {
      throw implausible(path, "before 2000-01-01 (seconds since 1970 expected, or milliseconds)");
    }
    if (at > receivedAtMs + maxFutureMs) {
      throw implausible(path, "more than " + maxFutureMs / 1000 + " s after the receive time");
    }
    if (maxAgeMs > 0 && at < receivedAtMs - maxAgeMs) {
      throw implausible(path, "more than " + maxAgeMs / 1000 + " s before the receive time");
    }
  }

  private static InvalidPayloadException implausible(String path, String reason) {
    return new InvalidPayloadException(path + ".timestamp is implausible: " + reason);
  }
}
