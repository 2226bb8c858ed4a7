package com.bitville.apm.listener.query;

import com.bitville.apm.listener.config.ProjectSettings;
import com.bitville.apm.listener.config.QuerySettings;
import com.bitville.apm.listener.config.UserSettings;
import com.bitville.apm.listener.support.RateLimiter;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Login, logout and rights. The session (server-side store, cookie {@code HttpOnly; Secure; SameSite=Strict})
 * holds only the user name; rights are looked up in the configuration on every request, so removing a user
 * or a project from the file takes effect at the next start without stale rights in old sessions.
 */
final class Auth {

  static final String SESSION_USER = "user";
  /** Every state-changing request must carry this header: a cross-site form cannot set it. */
  static final String CSRF_HEADER = "X-Bitville-Request";
  private static final Logger LOG = LoggerFactory.getLogger(Auth.class);
  private static final long MAX_FAILURE_DELAY_MS = 15 * 60_000;

  private final Vertx vertx;
  private final Map<String, UserSettings> users;
  private final List<String> knownProjects;
  private final RateLimiter byClient;
  private final LoginThrottle failures;
  private final int unknownUserCost;

  Auth(Vertx vertx, QuerySettings settings, Map<String, UserSettings> users, Map<String, ProjectSettings> projects) {
    this.vertx = vertx;
    this.users = users;
    this.knownProjects = List.copyOf(new TreeSet<>(projects.keySet()));
    double perSecond = settings.loginAttemptsPerMinute() / 60.0;
    var limiters = vertx.sharedData().<String, RateLimiter>getLocalMap("bitville.query.login-limiters");
    // one address may front several people (NAT, proxy): looser than the per-user limit, same refill
    this.byClient = limiters.computeIfAbsent("client", k -> new RateLimiter(perSecond * 4,
        settings.loginPerClientBurst()));
    this.failures = vertx.sharedData().<String, LoginThrottle>getLocalMap("bitville.query.login-failures")
        .computeIfAbsent("failures|" + settings.loginBurst(), k -> new LoginThrottle(settings.loginBurst(),
            MAX_FAILURE_DELAY_MS));
    this.unknownUserCost = dummyCost(users);
    // made before the first login, so that the first unknown name does not take longer than later ones
    vertx.executeBlocking(() -> Passwords.dummyHash(unknownUserCost), false);
  }

  /** The bcrypt cost of the configured users (the highest), so that an unknown name costs as much as a known one. */
  static int dummyCost(Map<String, UserSettings> users) {
    return users.values().stream().mapToInt(u -> Passwords.costOf(u.passwordHash())).max()
        .orElse(Passwords.DEFAULT_COST);
  }

  /** The logged-in user of this request, or null. */
  UserSettings user(Session session) {
    if (session == null || session.isDestroyed()) {
      return null;
    }
    String name = session.get(SESSION_USER);
    return name == null ? null : users.get(name);
  }

  /** Projects this user may see, sorted: configured projects (all for an administrator) plus named ones. */
  List<String> projectsOf(UserSettings user) {
    TreeSet<String> visible = new TreeSet<>();
    for (String project : knownProjects) {
      if (user.maySee(project)) {
        visible.add(project);
      }
    }
    if (!user.allProjects()) {
      visible.addAll(user.projects());
    }
    return new ArrayList<>(visible);
  }

  void requireUser(RoutingContext ctx) {
    UserSettings user = user(ctx.session());
    if (user == null) {
      QueryResponses.error(ctx, 401, "unauthorized", "log in first");
      return;
    }
    ctx.put(SESSION_USER, user);
    ctx.next();
  }

  /** State-changing calls: our custom header and, when the browser sends one, our own origin. */
  void requireSameOrigin(RoutingContext ctx) {
    if (!"1".equals(ctx.request().getHeader(CSRF_HEADER))) {
      QueryResponses.error(ctx, 403, "forbidden", "missing header " + CSRF_HEADER + ": 1");
      return;
    }
    String origin = ctx.request().getHeader("Origin");
    String host = ctx.request().getHeader("Host");
    if (origin != null && (host == null || !origin.equalsIgnoreCase("https://" + host)
        && !origin.equalsIgnoreCase("http://" + host))) {
      QueryResponses.error(ctx, 403, "forbidden", "cross-origin request refused");
      return;
    }
    ctx.next();
  }

  void login(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null || !(body.getValue("user") instanceof String name) || !(body.getValue("password") instanceof String
        password) || name.length() > 64 || password.length() > 200) {
      QueryResponses.error(ctx, 400, "bad_request", "send {\"user\": \"...\", \"password\": \"...\"}");
      return;
    }
    String user = name.trim().toLowerCase(Locale.ROOT);
    String address = ctx.request().remoteAddress().host();
    long wait = Math.max(failures.waitSeconds(user, address, System.currentTimeMillis()),
        byClient.tryAcquire(address));
    if (wait > 0) {
      ctx.response().putHeader("Retry-After", String.valueOf(wait));
      QueryResponses.error(ctx, 429, "too_many_requests", "too many login attempts; try again later");
      return;
    }
    UserSettings settings = users.get(user);
    vertx.executeBlocking(() -> Passwords.verify(password, settings == null ? null : settings.passwordHash(),
            unknownUserCost), false)
        .onComplete(done -> {
          if (done.failed() || !done.result()) {
            failures.failed(user, address, System.currentTimeMillis());
            LOG.info("Failed login for '{}' from {}", user.replaceAll("[^A-Za-z0-9_.@-]", "?"), address);
            QueryResponses.error(ctx, 401, "unauthorized", "wrong user name or password");
            return;
          }
          failures.succeeded(user, address);
          Session session = ctx.session();
          session.regenerateId();
          session.put(SESSION_USER, user);
          QueryResponses.json(ctx, describe(settings));
        });
  }

  void logout(RoutingContext ctx) {
    if (ctx.session() != null) {
      ctx.session().destroy();
    }
    ctx.response().setStatusCode(204).end();
  }

  void me(RoutingContext ctx) {
    QueryResponses.json(ctx, describe(ctx.get(SESSION_USER)));
  }

  private JsonObject describe(UserSettings user) {
    return new JsonObject().put("user", user.name()).put("admin", user.allProjects())
        .put("projects", new JsonArray(projectsOf(user)));
  }
}
