package com.bitville.apm.listener.support;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Map;

/**
 * A deadline for the request line and headers of a connection's first request, counted from the moment the
 * connection is accepted. The idle timeout alone does not stop a client that trickles one header byte at a
 * time (every byte resets it), so such clients could hold sockets without limit. Later requests on a
 * keep-alive connection are covered by the idle timeout. State is per server instance and touched only on
 * its event loop.
 */
public final class HeaderDeadline {

  private final Vertx vertx;
  private final long timeoutMs;
  private final Map<HttpConnection, Long> timers = new HashMap<>();

  private HeaderDeadline(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** Sets {@code handler} as the server's request handler, behind the deadline. */
  public static HttpServer install(Vertx vertx, HttpServer server, Handler<HttpServerRequest> handler,
      long timeoutMs) {
    HeaderDeadline deadline = new HeaderDeadline(vertx, timeoutMs);
    return server.connectionHandler(deadline::accepted).requestHandler(request -> {
      deadline.headersArrived(request.connection());
      handler.handle(request);
    });
  }

  private void accepted(HttpConnection connection) {
    long timer = vertx.setTimer(timeoutMs, id -> {
      timers.remove(connection);
      connection.close();
    });
    timers.put(connection, timer);
    connection.closeHandler(v -> headersArrived(connection));
  }

  private void headersArrived(HttpConnection connection) {
    Long timer = timers.remove(connection);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }
}
