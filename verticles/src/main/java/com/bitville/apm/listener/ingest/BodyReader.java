package com.bitville.apm.listener.ingest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.Arrays;

/**
 * Reads a request body with a size cap, a deadline and the node's body memory budget. An announced
 * {@code Content-Length} is allocated and reserved up front only up to {@link #PRESIZE_MAX} (a typical body then
 * lands in one array that is handed on without a copy); beyond that the array grows with what arrives. A body over
 * the cap is refused as soon as the cap is passed, one that would pass the budget as soon as that happens, and a
 * client that stalls is cut off at the deadline, so slow or hostile clients cost a bounded amount of memory and
 * never hold the event loop.
 */
final class BodyReader {

  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super(null, null, false, false);
    }
  }

  static final class OverBudget extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OverBudget() {
      super(null, null, false, false);
    }
  }

  static final class TimedOut extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TimedOut() {
      super(null, null, false, false);
    }
  }

  private static final int INITIAL_CAPACITY = 4096;
  /** Up to this much is allocated (and reserved) as announced, so that a typical body is one array, never copied. */
  static final int PRESIZE_MAX = 64 * 1024;

  private BodyReader() {
  }

  /** The announced {@code Content-Length}, 0 when absent or unreadable (then the body is chunked or empty). */
  static long declaredLength(HttpServerRequest request) {
    String declared = request.getHeader("Content-Length");
    return declared == null ? 0 : declaredLength(declared);
  }

  /** The body's bytes: the array it was received into when the announced length was exact, else a trimmed copy. */
  static Future<byte[]> read(Vertx vertx, HttpServerRequest request, int maxBytes, long timeoutMs,
      BodyBudget.Reservation reservation) {
    long declared = declaredLength(request);
    if (declared > maxBytes) {
      return Future.failedFuture(new TooLarge());
    }
    Promise<byte[]> promise = Promise.promise();
    Body body = new Body(declared, maxBytes, reservation);
    long timer = vertx.setTimer(timeoutMs, id -> promise.tryFail(new TimedOut()));
    request.handler(chunk -> {
      if (promise.future().isComplete()) {
        return;
      }
      RuntimeException refused = body.append(chunk);
      if (refused != null) {
        request.pause();
        promise.tryFail(refused);
      }
    });
    request.exceptionHandler(promise::tryFail);
    request.endHandler(v -> promise.tryComplete(body.bytes()));
    return promise.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /**
   * The bytes received so far, in an array that grows by doubling; the budget holds what is received or allocated.
   * The first array is as announced up to {@link #PRESIZE_MAX}, reserved before a byte arrives (so a client
   * announcing more than it sends holds at most that), else small.
   */
  private static final class Body {
    private final int maxBytes;
    private final BodyBudget.Reservation reservation;
    private byte[] bytes;
    private int length;
    private long reserved;

    Body(long declared, int maxBytes, BodyBudget.Reservation reservation) {
      this.maxBytes = maxBytes;
      this.reservation = reservation;
      int presize = (int) Math.min(declared, Math.min(maxBytes, PRESIZE_MAX));
      if (presize > INITIAL_CAPACITY && reservation.grow(presize)) {
        bytes = new byte[presize];
        reserved = presize;
      } else {
        bytes = new byte[INITIAL_CAPACITY];
      }
    }

    /** Null when appended; else why the body is refused. */
    RuntimeException append(Buffer chunk) {
      int after = length + chunk.length();
      if (after > maxBytes) {
        return new TooLarge();
      }
      if (after > reserved) {
        if (!reservation.grow(after - reserved)) {
          return new OverBudget();
        }
        reserved = after;
      }
      if (after > bytes.length) {
        bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max(after, 2L * bytes.length)));
      }
      chunk.getBytes(0, chunk.length(), bytes, length);
      length = after;
      return null;
    }

    byte[] bytes() {
      return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }
  }

  private static long declaredLength(String header) {
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
