package com.bitville.apm.listener.ingest;

import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies this node holds in memory (received, and inflated when gzip), across every
 * ingest instance, against one budget. A request reserves what actually arrived, chunk by chunk, never what
 * its {@code Content-Length} announces; so a client announcing large bodies costs only what it sends, and
 * beyond the budget new bodies are refused with "retry later" instead of exhausting the heap.
 */
final class BodyBudget implements Shareable {

  private final long limitBytes;
  private final AtomicLong usedBytes = new AtomicLong();

  BodyBudget(long limitBytes) {
    this.limitBytes = limitBytes;
  }

  /** Whether a body of about {@code bytes} fits now; checked before reading, so a refusal costs nothing. */
  boolean hasRoomFor(long bytes) {
    return usedBytes.get() + bytes <= limitBytes;
  }

  long usedBytes() {
    return usedBytes.get();
  }

  Reservation open() {
    return new Reservation();
  }

  /** What one request holds; used from that request's event loop only, released once when it is answered. */
  final class Reservation {
    private long heldBytes;

    /** Reserves {@code bytes} more; false (and nothing reserved) when that would pass the budget. */
    boolean grow(long bytes) {
      if (usedBytes.addAndGet(bytes) > limitBytes) {
        usedBytes.addAndGet(-bytes);
        return false;
      }
      heldBytes += bytes;
      return true;
    }

    void release() {
      usedBytes.addAndGet(-heldBytes);
      heldBytes = 0;
    }
  }
}
