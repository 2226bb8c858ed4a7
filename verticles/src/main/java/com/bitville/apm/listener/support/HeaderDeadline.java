package com.bitville.apm.listener.support;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deadlines for request headers. The idle timeout alone does not stop a client that trickles one header byte
 * at a time (every byte resets it), so such clients could hold sockets without limit:
 * <ul>
 *   <li>the first request of a connection must have its headers complete within {@code headerTimeoutMs} of
 *   the connection being accepted;</li>
 *   <li>each later request on a kept-alive connection within {@code keepAliveMs} of the previous answer's end
 *   (checked once a second), however many bytes trickle in meanwhile. Connections with a request still in
 *   progress (a long answer, a WebSocket) are left alone.</li>
 * </ul>
 * State is per server instance and touched only on its event loop.
 */
public final class HeaderDeadline {

  private static final long SWEEP_MS = 1_000;

  private final Vertx vertx;
  private final long headerTimeoutMs;
  private final long keepAliveMs;
  private final Map<HttpConnection, Watch> watches = new HashMap<>();

  /** One connection: the first-request timer, its latest request and since when it has been answered. */
  private static final class Watch {
    long firstRequestTimer = -1;
    HttpServerRequest latest;
    long answeredSinceMs = -1;
  }

  private HeaderDeadline(Vertx vertx, long headerTimeoutMs, long keepAliveMs) {
    this.vertx = vertx;
    this.headerTimeoutMs = headerTimeoutMs;
    this.keepAliveMs = keepAliveMs;
  }

  /** Sets {@code handler} as the server's request handler, behind the deadlines. */
  public static HttpServer install(Vertx vertx, HttpServer server, Handler<HttpServerRequest> handler,
      long headerTimeoutMs, long keepAliveMs) {
    HeaderDeadline deadline = new HeaderDeadline(vertx, headerTimeoutMs, keepAliveMs);
    vertx.setPeriodic(SWEEP_MS, id -> deadline.closeQuietKeepAlives());
    return server.connectionHandler(deadline::accepted).requestHandler(request -> {
      deadline.headersArrived(request);
      handler.handle(request);
    });
  }

  private void accepted(HttpConnection connection) {
    Watch watch = new Watch();
    watch.firstRequestTimer = vertx.setTimer(headerTimeoutMs, id -> {
      watch.firstRequestTimer = -1;
      connection.close();
    });
    watches.put(connection, watch);
    connection.closeHandler(v -> {
      Watch gone = watches.remove(connection);
      if (gone != null) {
        cancelFirstRequestTimer(gone);
      }
    });
  }

  private void headersArrived(HttpServerRequest request) {
    Watch watch = watches.get(request.connection());
    if (watch == null) {
      return;
    }
    cancelFirstRequestTimer(watch);
    watch.latest = request;
    watch.answeredSinceMs = -1;
  }

  private void closeQuietKeepAlives() {
    long now = System.currentTimeMillis();
    List<HttpConnection> expired = new ArrayList<>();
    watches.forEach((connection, watch) -> {
      if (watch.latest == null || !watch.latest.response().ended()) {
        watch.answeredSinceMs = -1;
      } else if (watch.answeredSinceMs < 0) {
        watch.answeredSinceMs = now;
      } else if (now - watch.answeredSinceMs >= keepAliveMs) {
        expired.add(connection);
      }
    });
    expired.forEach(HttpConnection::close);
  }

  private void cancelFirstRequestTimer(Watch watch) {
    if (watch.firstRequestTimer != -1) {
      vertx.cancelTimer(watch.firstRequestTimer);
      watch.firstRequestTimer = -1;
    }
  }
}
