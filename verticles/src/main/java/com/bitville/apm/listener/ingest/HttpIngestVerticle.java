package com.bitville.apm.listener.ingest;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.config.Cidr;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.IngestSettings;
import com.bitville.apm.listener.config.ProjectSettings;
import com.bitville.apm.listener.config.RedactionSettings;
import com.bitville.apm.listener.ingest.ApiKeyRegistry.Match;
import com.bitville.apm.listener.pipeline.EventTimeWindow;
import com.bitville.apm.listener.pipeline.IngestPipeline;
import com.bitville.apm.listener.pipeline.IngestPipeline.Kind;
import com.bitville.apm.listener.pipeline.IngestPipeline.Outcome;
import com.bitville.apm.listener.storage.api.RecordStore;
import com.bitville.apm.listener.storage.api.RecordStore.StoreRequest;
import com.bitville.apm.listener.storage.api.StorageError;
import com.bitville.apm.listener.support.HeaderDeadline;
import com.bitville.apm.listener.support.NodeMetrics;
import com.bitville.apm.listener.support.RateLimiter;
import com.bitville.apm.listener.support.ServerTls;
import com.bitville.apm.shared.normalize.BodyParser;
import com.bitville.apm.shared.normalize.InvalidPayloadException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS endpoints for agents (wire protocol sections 1-3). Checks run cheapest first and before the body is
 * read: route, auth, source network, rate limits, media type, back-pressure; then the body is read with a
 * cap and deadline, parsed, normalized and sent to storage. 2xx only after storage confirmed the commit.
 */
public final class HttpIngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpIngestVerticle.class);

  private IngestSettings settings;
  private RecordStore recordStore;
  private ApiKeyRegistry keys;
  private RateLimiter keyLimiter;
  private RateLimiter clientLimiter;
  private BodyBudget bodyBudget;
  private IngestPipeline pipeline;
  private IngestMetrics metrics;
  private HttpServer server;
  private MessageConsumer<JsonObject> status;
  private int inFlight;
  private boolean stopping;

  @Override
  public Future<?> start() {
    settings = IngestSettings.from(config());
    recordStore = ServiceBus.client(vertx, RecordStore.class, settings.storageTimeoutMs());
    keys = new ApiKeyRegistry(ProjectSettings.from(config()));
    keyLimiter = sharedLimiter("key", settings.perKeyRate(), settings.perKeyBurst());
    clientLimiter = sharedLimiter("client", settings.perClientRate(), settings.perClientBurst());
    bodyBudget = vertx.sharedData().<String, BodyBudget>getLocalMap("bitville.ingest.body-budget")
        .computeIfAbsent("node|" + settings.bodyMemoryBytes(), k -> new BodyBudget(settings.bodyMemoryBytes()));
    pipeline = new IngestPipeline(settings.maxDepth(), settings.maxItems(),
        RedactionSettings.from(config()).redactor(), EventTimeWindow.of(settings));
    metrics = new IngestMetrics(NodeMetrics.registry(), bodyBudget);
    HttpServerOptions options = ServerTls.apply(new HttpServerOptions(), config())
        .setIdleTimeout(settings.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setDecompressionSupported(false).setCompressionSupported(false);
    server = HeaderDeadline.install(vertx, vertx.createHttpServer(options), this::handle,
        settings.headerTimeoutMs(), settings.idleTimeoutSeconds() * 1_000L);
    return server.listen(settings.port(), settings.host()).onSuccess(bound -> reportStatus());
  }

  /** Answers /ready's status request once this instance is listening; gone again when it stops. */
  private void reportStatus() {
    status = vertx.eventBus().localConsumer(Component.HTTP_INGEST.statusAddress(),
        message -> message.reply(new JsonObject().put("up", !stopping).put("port", server.actualPort())
            .put("in_flight", inFlight)));
  }

  private RateLimiter sharedLimiter(String scope, double rate, int burst) {
    return vertx.sharedData().<String, RateLimiter>getLocalMap("bitville.ingest.rate-limiters")
        .computeIfAbsent(scope + "|" + rate + "|" + burst, k -> new RateLimiter(rate, burst));
  }

  /** The port actually bound (differs from the configured one when that was 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest request) {
    long started = System.nanoTime();
    String endpoint = endpointOf(request.path());
    request.response().endHandler(v -> metrics.request(endpoint == null ? "unknown" : endpoint,
        request.response().getStatusCode(), started));
    try {
      admit(request, endpoint);
    } catch (RuntimeException e) {
      LOG.error("Unexpected ingest failure", e);
      IngestResponses.internalError(request.response());
    }
  }

  private void admit(HttpServerRequest request, String endpoint) {
    var response = request.response();
    if (endpoint == null) {
      IngestResponses.notFound(response);
      return;
    }
    if (request.method() != HttpMethod.POST) {
      IngestResponses.methodNotAllowed(response);
      return;
    }
    if (stopping) {
      reject(request, "shutting_down");
      IngestResponses.unavailable(response, settings.retryAfterSeconds(), "listener is shutting down");
      return;
    }
    Match match = authenticate(request);
    if (match == null) {
      return;
    }
    String client = ClientAddress.of(request, settings.trustedProxies());
    if (!allowedSource(request, match, client) || !withinRateLimits(request, match, client)
        || !supportedMediaType(request)) {
      return;
    }
    if (inFlight >= settings.maxInFlight()) {
      reject(request, "overloaded");
      IngestResponses.unavailable(response, settings.retryAfterSeconds(), "too many requests in flight");
      return;
    }
    if (!bodyBudget.hasRoomFor(Math.min(BodyReader.declaredLength(request), settings.maxBodyBytes()))) {
      refuseOverBudget(request);
      return;
    }
    inFlight++;
    BodyBudget.Reservation reservation = bodyBudget.open();
    ingest(request, kindOf(endpoint), match.project().name(), reservation).onComplete(v -> {
      inFlight--;
      reservation.release();
    });
  }

  private void refuseOverBudget(HttpServerRequest request) {
    reject(request, "body_memory");
    IngestResponses.unavailable(request.response(), settings.retryAfterSeconds(),
        "too much request data in memory on this node; nothing was stored");
    discardRestOfBody(request);
  }

  private Match authenticate(HttpServerRequest request) {
    String authorization = request.getHeader("Authorization");
    if (authorization == null) {
      reject(request, "missing_key");
      IngestResponses.unauthorized(request.response(), "Authorization: Bearer <key> header is required");
      return null;
    }
    Match match = keys.match(ApiKeyRegistry.bearerToken(authorization)).orElse(null);
    if (match == null) {
      reject(request, "unknown_key");
      IngestResponses.unauthorized(request.response(), "unknown API key");
    }
    return match;
  }

  private boolean allowedSource(HttpServerRequest request, Match match, String client) {
    var allowed = match.project().allowedNetworks();
    if (allowed.isEmpty() || Cidr.anyContains(allowed, client)) {
      return true;
    }
    reject(request, "network_not_allowed");
    IngestResponses.forbidden(request.response());
    return false;
  }

  private boolean withinRateLimits(HttpServerRequest request, Match match, String client) {
    long wait = keyLimiter.tryAcquire(match.keyId());
    String scope = "API key";
    if (wait == 0) {
      wait = clientLimiter.tryAcquire(client);
      scope = "client address";
    }
    if (wait == 0) {
      return true;
    }
    reject(request, "rate_limited");
    IngestResponses.rateLimited(request.response(), wait, scope);
    return false;
  }

  private boolean supportedMediaType(HttpServerRequest request) {
    String encoding = request.getHeader("Content-Encoding");
    if (encoding != null && !encoding.equalsIgnoreCase("gzip") && !encoding.equalsIgnoreCase("identity")) {
      reject(request, "unsupported_encoding");
      IngestResponses.unsupported(request.response(), "Content-Encoding must be gzip or identity");
      return false;
    }
    String type = mediaType(request);
    boolean absent = request.getHeader("Content-Type") == null;
    if (absent || type.equals("application/json") || type.equals("application/x-ndjson")
        || type.equals("application/ndjson")) {
      String charset = request.getHeader("Content-Type") == null ? "" : request.getHeader("Content-Type")
          .toLowerCase(Locale.ROOT);
      if (!charset.contains("charset=") || charset.contains("charset=utf-8") || charset.contains("charset=\"utf-8\"")) {
        return true;
      }
      reject(request, "unsupported_charset");
      IngestResponses.unsupported(request.response(), "only UTF-8 is accepted");
      return false;
    }
    reject(request, "unsupported_media_type");
    IngestResponses.unsupported(request.response(), "Content-Type must be application/json or application/x-ndjson");
    return false;
  }

  private Future<Void> ingest(HttpServerRequest request, Kind kind, String project,
      BodyBudget.Reservation reservation) {
    int limit = settings.maxBodyBytes();
    return BodyReader.read(vertx, request, limit, settings.bodyTimeoutMs(), reservation)
        .compose(body -> decodeAndStore(request, body, kind, project, reservation))
        .recover(failure -> {
          answerFailure(request, failure);
          return Future.succeededFuture();
        });
  }

  private Future<Void> decodeAndStore(HttpServerRequest request, byte[] body, Kind kind, String project,
      BodyBudget.Reservation reservation) {
    byte[] bytes = decompress(request, body, reservation);
    boolean ndjson = mediaType(request).contains("ndjson");
    Outcome outcome = pipeline.process(bytes, ndjson, kind, project, System.currentTimeMillis());
    if (outcome.records().isEmpty()) {
      reject(request, "invalid_payload");
      String first = outcome.rejected().isEmpty() ? BodyParser.NO_ITEMS
          : outcome.rejected().getJsonObject(0).getString("error");
      IngestResponses.badRequest(request.response(), first, outcome.rejected());
      return Future.succeededFuture();
    }
    if (!outcome.rejected().isEmpty()) {
      metrics.rejected("invalid_item", outcome.rejected().size());
    }
    return recordStore.store(new StoreRequest(outcome.records()))
        .map(stored -> {
          metrics.accepted(stored.ids().size(), stored.duplicateCount());
          IngestResponses.accepted(request.response(), stored, outcome.rejected());
          return null;
        });
  }

  private byte[] decompress(HttpServerRequest request, byte[] body, BodyBudget.Reservation reservation) {
    if (!"gzip".equalsIgnoreCase(request.getHeader("Content-Encoding"))) {
      return body;
    }
    try {
      return Gzip.inflate(body, settings.maxBodyBytes(), reservation::grow);
    } catch (Gzip.TooLargeException e) {
      throw new BodyReader.TooLarge();
    } catch (Gzip.OverBudgetException e) {
      throw new BodyReader.OverBudget();
    } catch (Gzip.CorruptException e) {
      throw new InvalidPayloadException("body is not valid gzip");
    }
  }

  private void answerFailure(HttpServerRequest request, Throwable failure) {
    var response = request.response();
    if (failure instanceof BodyReader.TooLarge) {
      reject(request, "too_large");
      IngestResponses.tooLarge(response, settings.maxBodyBytes());
      discardRestOfBody(request);
    } else if (failure instanceof BodyReader.OverBudget) {
      refuseOverBudget(request);
    } else if (failure instanceof BodyReader.TimedOut) {
      reject(request, "body_timeout");
      IngestResponses.timeout(response);
      closeAfterResponse(request);
    } else if (failure instanceof InvalidPayloadException invalid) {
      reject(request, "invalid_payload");
      IngestResponses.badRequest(response, invalid.getMessage(), null);
    } else if (StorageError.isStorageFailure(failure)) {
      answerStorageFailure(request, StorageError.of(failure), failure);
    } else {
      LOG.warn("Ingest request failed: {}", failure.toString());
      reject(request, "connection_error");
      IngestResponses.unavailable(response, settings.retryAfterSeconds(), "request could not be completed");
    }
  }

  private void answerStorageFailure(HttpServerRequest request, StorageError error, Throwable failure) {
    reject(request, "storage_" + error.reason());
    if (error.callerBug()) {
      LOG.error("Storage refused a store request as malformed: {}", failure.getMessage());
      IngestResponses.internalError(request.response());
      return;
    }
    IngestResponses.unavailable(request.response(), settings.retryAfterSeconds(),
        !error.timedOut()
            ? "storage is unavailable or busy; nothing was stored"
            : "storage did not confirm the commit in time; retry later");
  }

  /**
   * Reads and drops the rest of an oversized body so that the client, still sending, gets to read the 413
   * instead of a connection reset; a body far beyond the limit is cut off by closing the connection.
   */
  private void discardRestOfBody(HttpServerRequest request) {
    if (request.isEnded()) {
      return;
    }
    long[] discarded = {0};
    long cap = 8L * settings.maxBodyBytes();
    long timer = vertx.setTimer(settings.bodyTimeoutMs(), id -> request.connection().close());
    request.handler(chunk -> {
      discarded[0] += chunk.length();
      if (discarded[0] > cap) {
        vertx.cancelTimer(timer);
        request.connection().close();
      }
    });
    request.endHandler(v -> vertx.cancelTimer(timer));
    request.resume();
  }

  private static void closeAfterResponse(HttpServerRequest request) {
    request.response().closeHandler(null);
    request.connection().close();
  }

  private void reject(HttpServerRequest request, String reason) {
    metrics.rejected(reason, 1);
  }

  private static String mediaType(HttpServerRequest request) {
    String type = request.getHeader("Content-Type");
    if (type == null) {
      return "";
    }
    int semicolon = type.indexOf(';');
    return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  private static String endpointOf(String path) {
    return switch (path) {
      case "/ingest/php", "/api/profiling" -> "php";
      case "/ingest/postgres" -> "postgres";
      default -> null;
    };
  }

  private static Kind kindOf(String endpoint) {
    return "php".equals(endpoint) ? Kind.PHP : Kind.POSTGRES;
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (status != null) {
      status.unregister();
    }
    return server == null ? Future.succeededFuture() : server.shutdown(20, TimeUnit.SECONDS);
  }
}
