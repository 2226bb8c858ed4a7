package com.bitville.apm.listener.ingest;

import com.bitville.apm.listener.storage.api.RecordStore.StoreReply;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Every answer of the ingest endpoints, as the wire protocol's table defines them. JSON bodies only. */
final class IngestResponses {

  private IngestResponses() {
  }

  /**
   * 200: every valid item is stored, now or before. {@code items} says per item whether it was already stored
   * (a PHP request with the same project and correlation id): then its id is the stored record's.
   */
  static void accepted(HttpServerResponse response, StoreReply stored, JsonArray rejected) {
    JsonArray items = new JsonArray();
    for (int i = 0; i < stored.ids().size(); i++) {
      items.add(new JsonObject().put("id", stored.ids().get(i)).put("duplicate", stored.duplicates().get(i)));
    }
    JsonObject body = new JsonObject().put("accepted", stored.ids().size())
        .put("ids", new JsonArray(List.copyOf(stored.ids()))).put("items", items);
    if (!rejected.isEmpty()) {
      body.put("rejected", rejected);
    }
    send(response, 200, body);
  }

  static void badRequest(HttpServerResponse response, String message, JsonArray rejected) {
    JsonObject body = error("bad_request", message);
    if (rejected != null && rejected.size() > 1) {
      body.put("rejected", rejected);
    }
    send(response, 400, body);
  }

  static void unauthorized(HttpServerResponse response, String message) {
    response.putHeader("WWW-Authenticate", "Bearer realm=\"bitville\"");
    send(response, 401, error("unauthorized", message));
  }

  static void forbidden(HttpServerResponse response) {
    send(response, 403, error("forbidden", "source network not allowed for this project"));
  }

  static void notFound(HttpServerResponse response) {
    send(response, 404, error("not_found", "no such endpoint; use POST /ingest/php, /ingest/postgres or "
        + "/api/profiling"));
  }

  static void methodNotAllowed(HttpServerResponse response) {
    response.putHeader("Allow", "POST");
    send(response, 405, error("method_not_allowed", "use POST"));
  }

  static void timeout(HttpServerResponse response) {
    response.putHeader("Connection", "close");
    send(response, 408, error("request_timeout", "the request body did not arrive in time"));
  }

  static void tooLarge(HttpServerResponse response, int limit) {
    send(response, 413, error("payload_too_large", "body exceeds " + limit + " bytes (after decompression)"));
  }

  static void unsupported(HttpServerResponse response, String message) {
    send(response, 415, error("unsupported_media_type", message));
  }

  static void rateLimited(HttpServerResponse response, long retryAfterSeconds, String scope) {
    response.putHeader("Retry-After", String.valueOf(retryAfterSeconds));
    send(response, 429, error("rate_limited", "rate limit exceeded for this " + scope + "; retry later"));
  }

  static void unavailable(HttpServerResponse response, long retryAfterSeconds, String message) {
    response.putHeader("Retry-After", String.valueOf(retryAfterSeconds));
    send(response, 503, error("unavailable", message));
  }

  static void internalError(HttpServerResponse response) {
    send(response, 500, error("internal_error", "the request could not be processed; nothing was stored"));
  }

  private static JsonObject error(String code, String message) {
    return new JsonObject().put("error", code).put("message", message);
  }

  private static void send(HttpServerResponse response, int status, JsonObject body) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
