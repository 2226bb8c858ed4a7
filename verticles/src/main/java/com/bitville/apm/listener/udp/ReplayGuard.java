package com.bitville.apm.listener.udp;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the signatures of accepted datagrams for as long as their timestamp is inside the clock window,
 * so that a captured datagram sent again is refused instead of stored twice. Bounded: at most
 * {@code maxEntries} signatures; beyond that the oldest are forgotten first (a flood of valid, distinct
 * datagrams is the only way there, and it is counted). Used on the UDP verticle's event loop only.
 */
final class ReplayGuard {

  private final long windowMs;
  private final int maxEntries;
  private final LinkedHashMap<ByteBuffer, Long> expiries = new LinkedHashMap<>();

  ReplayGuard(long windowMs, int maxEntries) {
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
  }

  /**
   * True the first time a signature is seen within its window (and remembers it), false for a replay.
   *
   * @param signedAtMs the datagram's own timestamp: it is refused as stale once the window has passed it
   */
  boolean firstSeen(byte[] signature, long signedAtMs, long nowMs) {
    forgetExpired(nowMs);
    ByteBuffer key = ByteBuffer.wrap(signature.clone());
    if (expiries.containsKey(key)) {
      return false;
    }
    if (expiries.size() >= maxEntries) {
      Iterator<ByteBuffer> oldest = expiries.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    expiries.put(key, Math.max(signedAtMs, nowMs) + windowMs);
    return true;
  }

  int size() {
    return expiries.size();
  }

  /**
   * Entries are in arrival order and expiries roughly so (they differ by the senders' clock offsets): stopping
   * at the first live one keeps a few expired ones a little longer, which costs only memory within the bound.
   */
  private void forgetExpired(long nowMs) {
    Iterator<Map.Entry<ByteBuffer, Long>> entries = expiries.entrySet().iterator();
    while (entries.hasNext()) {
      if (entries.next().getValue() > nowMs) {
        return;
      }
      entries.remove();
    }
  }
}
