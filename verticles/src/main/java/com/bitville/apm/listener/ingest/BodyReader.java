package com.bitville.apm.listener.ingest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body with a size cap, a deadline and the node's body memory budget. The buffer grows with
 * what arrives (an announced {@code Content-Length} reserves nothing); a body over the cap is refused as soon
 * as the cap is passed, one that would pass the budget as soon as that happens, and a client that stalls is
 * cut off at the deadline, so slow or hostile clients cost a bounded amount of memory and never hold the
 * event loop.
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

  private BodyReader() {
  }

  /** The announced {@code Content-Length}, 0 when absent or unreadable (then the body is chunked or empty). */
  static long declaredLength(HttpServerRequest request) {
    String declared = request.getHeader("Content-Length");
    return declared == null ? 0 : declaredLength(declared);
  }

  static Future<Buffer> read(Vertx vertx, HttpServerRequest request, int maxBytes, long timeoutMs,
      BodyBudget.Reservation reservation) {
    if (declaredLength(request) > maxBytes) {
      return Future.failedFuture(new TooLarge());
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer(INITIAL_CAPACITY);
    long timer = vertx.setTimer(timeoutMs, id -> promise.tryFail(new TimedOut()));
    request.handler(chunk -> {
      if (promise.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > maxBytes) {
        request.pause();
        promise.tryFail(new TooLarge());
      } else if (!reservation.grow(chunk.length())) {
        request.pause();
        promise.tryFail(new OverBudget());
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.exceptionHandler(promise::tryFail);
    request.endHandler(v -> promise.tryComplete(body));
    return promise.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  private static long declaredLength(String header) {
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
