package com.bitville.apm.pgagent.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * {@code GET /health} on 127.0.0.1 only: the agent's state for a local probe or an operator with curl. It reports
 * 200 while the agent runs (a database outage is shown in the body, not as agent failure, since the agent is
 * doing its job by waiting) and 404 for any other path.
 */
public final class HealthServer {

  private final Vertx vertx;
  private final int port;
  private final Supplier<JsonObject> status;
  private HttpServer server;

  public HealthServer(Vertx vertx, int port, Supplier<JsonObject> status) {
    this.vertx = vertx;
    this.port = port;
    this.status = status;
  }

  public Future<HttpServer> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(this::handle);
    return server.listen();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest request) {
    if (!"/health".equals(request.path())) {
      request.response().setStatusCode(404).end();
      return;
    }
    request.response().putHeader("Content-Type", "application/json").end(status.get().encodePrettily());
  }
}
