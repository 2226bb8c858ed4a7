package com.bitville.apm.listener.query;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON answers of the query API; errors are {"error": code, "message": text}, never internal details. */
final class QueryResponses {

  private QueryResponses() {
  }

  static void json(RoutingContext ctx, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
  }

  static void error(RoutingContext ctx, int status, String code, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("error", code).put("message", message).encode());
  }
}
