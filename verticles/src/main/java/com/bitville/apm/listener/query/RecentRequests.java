package com.bitville.apm.listener.query;

import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.SqlCall;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compared side of the requests this server instance showed in the last seconds. The request page asks for
 * the detail and then for the comparison; with this, the comparison neither reads the request from storage nor
 * inflates and profiles its payload again. Bounded in entries, in (estimated) bytes and in age; a miss only costs
 * the read. Not thread-safe: used on the verticle's event loop only.
 */
final class RecentRequests {

  /** What a comparison needs of a shown request: its profile and the columns that place its baseline. */
  record Shown(Comparison.Subject subject, long eventTimeMs, long storedAtMs, long bytes) {
  }

  private final int maxEntries;
  private final long maxBytes;
  private final long ttlMs;
  private final Map<Long, Shown> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  RecentRequests(int maxEntries, long maxBytes, long ttlMs) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.ttlMs = ttlMs;
  }

  void put(Comparison.Subject subject, long eventTimeMs, long nowMs) {
    long size = estimateBytes(subject);
    if (subject.id() == null || size > maxBytes) {
      return;
    }
    remove(subject.id());
    entries.put(subject.id(), new Shown(subject, eventTimeMs, nowMs, size));
    bytes += size;
    Iterator<Shown> oldest = entries.values().iterator();
    while ((entries.size() > maxEntries || bytes > maxBytes) && oldest.hasNext()) {
      bytes -= oldest.next().bytes();
      oldest.remove();
    }
  }

  /** The shown request {@code id} when it is fresh and of a project the caller may see; null otherwise. */
  Shown get(long id, List<String> visibleProjects, long nowMs) {
    Shown shown = entries.get(id);
    if (shown == null) {
      return null;
    }
    if (nowMs - shown.storedAtMs() > ttlMs) {
      remove(id);
      return null;
    }
    return visibleProjects.contains(shown.subject().project()) ? shown : null;
  }

  int size() {
    return entries.size();
  }

  long bytes() {
    return bytes;
  }

  private void remove(long id) {
    Shown previous = entries.remove(id);
    if (previous != null) {
      bytes -= previous.bytes();
    }
  }

  /** Characters are two bytes; each object costs about 64 more. */
  static long estimateBytes(Comparison.Subject subject) {
    long size = 256 + 2L * (length(subject.project()) + length(subject.route()));
    for (FunctionCall call : subject.functions()) {
      size += 64 + 2L * call.name().length();
    }
    for (SqlCall call : subject.statements()) {
      size += 64 + 2L * (length(call.fingerprint()) + length(call.normalized()));
    }
    return size;
  }

  private static int length(String text) {
    return text == null ? 0 : text.length();
  }
}
