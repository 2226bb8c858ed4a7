package com.bitville.apm.listener.ingest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body with a size cap and a deadline. A body over the cap is refused as soon as the cap is
 * passed (nothing more is buffered); a client that stalls is cut off at the deadline, so slow or hostile
 * clients cost a bounded amount of memory and never hold the event loop.
 */
final class BodyReader {

  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super(null, null, false, false);
    }
  }

  static final class TimedOut extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TimedOut() {
      super(null, null, false, false);
    }
  }

  private BodyReader() {
  }

  static Future<Buffer> read(Vertx vertx, HttpServerRequest request, int maxBytes, long timeoutMs) {
    String declared = request.getHeader("Content-Length");
    if (declared != null && declaredLength(declared) > maxBytes) {
      return Future.failedFuture(new TooLarge());
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer(declared == null ? 4096 : (int) Math.max(0, declaredLength(declared)));
    long timer = vertx.setTimer(timeoutMs, id -> promise.tryFail(new TimedOut()));
    request.handler(chunk -> {
      if (body.length() + chunk.length() > maxBytes) {
        request.pause();
        promise.tryFail(new TooLarge());
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
