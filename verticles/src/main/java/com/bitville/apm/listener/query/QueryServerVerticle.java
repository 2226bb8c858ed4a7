package com.bitville.apm.listener.query;

import com.bitville.apm.listener.analysis.SpikeSettings;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.ConfigReader;
import com.bitville.apm.listener.config.ProjectSettings;
import com.bitville.apm.listener.config.QuerySettings;
import com.bitville.apm.listener.config.TlsSettings;
import com.bitville.apm.listener.config.UserSettings;
import com.bitville.apm.listener.support.HeaderDeadline;
import com.bitville.apm.listener.support.ServerTls;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.sstore.ClusteredSessionStore;
import io.vertx.ext.web.sstore.LocalSessionStore;
import io.vertx.ext.web.sstore.SessionStore;
import java.util.concurrent.TimeUnit;

/**
 * The UI port: REST API under {@code /api}, the static web UI from the classpath, and the live feed over the
 * SockJS event-bus bridge under {@code /eventbus}. Talks to storage only over the event bus, so it can run on
 * any node. Sessions live in a local store, or the cluster-wide one when Vert.x is clustered, so a browser
 * stays logged in whichever node's query server answers.
 */
public final class QueryServerVerticle extends VerticleBase {

  public static final String SESSION_COOKIE = "bitville_session";
  private static final long MAX_LOGIN_BODY = 4096;

  private QuerySettings settings;
  private HttpServer server;
  private LiveFeed live;
  private MessageConsumer<JsonObject> status;

  @Override
  public Future<?> start() {
    settings = QuerySettings.from(config());
    boolean tls = TlsSettings.from(config()).enabled();
    Auth auth = new Auth(vertx, settings, UserSettings.from(config()), ProjectSettings.from(config()));
    QueryApi api = new QueryApi(vertx, settings, auth);
    AnalysisApi analysis = new AnalysisApi(vertx, settings, auth,
        SpikeSettings.from(new ConfigReader(config(), "analysis").withDefaults()));
    live = new LiveFeed(vertx, auth, settings.liveMaxPerSecond(), deploymentID() + "/" + hashCode());
    Router router = Router.router(vertx);
    router.route().handler(ctx -> SecurityHeaders.apply(ctx, tls));
    SessionHandler sessions = sessions(tls);
    router.route("/api/*").handler(sessions);
    router.route("/eventbus/*").handler(sessions);
    // ---- login ----
    router.post("/api/login").handler(BodyHandler.create(false).setBodyLimit(MAX_LOGIN_BODY))
        .handler(auth::requireSameOrigin).handler(auth::login);
    router.post("/api/logout").handler(auth::requireSameOrigin).handler(auth::logout);
    router.route("/api/*").handler(auth::requireUser);
    router.route("/api/*").method(io.vertx.core.http.HttpMethod.POST).handler(auth::requireSameOrigin);
    // ---- REST API ----
    router.get("/api/me").handler(auth::me);
    router.get("/api/projects").handler(guard(api::projects));
    router.get("/api/requests").handler(guard(api::requests));
    router.get("/api/requests/:id").handler(guard(api::request));
    router.get("/api/requests/:id/comparison").handler(guard(api::comparison));
    router.get("/api/live/missed").handler(guard(api::liveMissed));
    router.get("/api/correlation/:correlationId").handler(guard(api::correlation));
    router.get("/api/routes").handler(guard(api::routes));
    router.get("/api/routes/:route/histogram").handler(guard(api::histogram));
    router.get("/api/database/:kind").handler(guard(api::database));
    router.get("/api/overview").handler(guard(analysis::overview));
    router.get("/api/spikes").handler(guard(analysis::spikes));
    router.get("/api/analysis").handler(guard(analysis::analysis));
    router.get("/api/flamegraph").handler(guard(analysis::flamegraph));
    router.route("/api/*").handler(ctx -> QueryResponses.error(ctx, 404, "not_found", "no such API endpoint"));
    // ---- live feed and UI ----
    router.route("/eventbus/*").subRouter(live.bridge());
    router.route("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html")
        .setCachingEnabled(true).setMaxAgeSeconds(300).setDirectoryListing(false).setIncludeHidden(false));
    live.startFeeder();
    status = vertx.eventBus().localConsumer(Component.QUERY_SERVER.statusAddress(),
        msg -> msg.reply(new JsonObject().put("up", server != null).put("port", server == null ? null
            : server.actualPort())));
    HttpServerOptions options = ServerTls.apply(new HttpServerOptions(), config())
        .setCompressionSupported(true).setIdleTimeout(settings.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
    return HeaderDeadline.install(vertx, vertx.createHttpServer(options), router, settings.headerTimeoutMs(),
            settings.idleTimeoutSeconds() * 1_000L)
        .listen(settings.port(), settings.host()).onSuccess(s -> server = s);
  }

  private SessionHandler sessions(boolean tls) {
    SessionStore store = vertx.isClustered() ? ClusteredSessionStore.create(vertx)
        : LocalSessionStore.create(vertx, "bitville.query.sessions");
    return SessionHandler.create(store).setSessionCookieName(SESSION_COOKIE).setCookieHttpOnlyFlag(true)
        .setCookieSecureFlag(tls).setCookieSameSite(CookieSameSite.STRICT).setLazySession(true)
        .setSessionTimeout(TimeUnit.MINUTES.toMillis(settings.sessionTimeoutMinutes())).setMinLength(32)
        .setNagHttps(false);
  }

  /** Parameter validation throws {@link ApiError}: answer it instead of letting the router turn it into a 500. */
  private static Handler<RoutingContext> guard(Handler<RoutingContext> handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (RuntimeException e) {
        QueryApi.fail(ctx, e);
      }
    };
  }

  /** The port actually bound (differs from the configured one when that was 0). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (live != null) {
      live.stopFeeder();
    }
    if (status != null) {
      status.unregister();
    }
    return server == null ? Future.succeededFuture() : server.shutdown(5, TimeUnit.SECONDS);
  }
}
