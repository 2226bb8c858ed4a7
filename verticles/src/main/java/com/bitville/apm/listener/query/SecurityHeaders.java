package com.bitville.apm.listener.query;

import io.vertx.ext.web.RoutingContext;

/**
 * Headers on every answer of the UI port. The UI loads only its own scripts and styles (no inline script,
 * no inline style attributes), connects only back to itself, and may not be framed.
 */
final class SecurityHeaders {

  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
      + "frame-ancestors 'none'; object-src 'none'";

  private SecurityHeaders() {
  }

  static void apply(RoutingContext ctx, boolean tls) {
    var headers = ctx.response().headers();
    headers.set("Content-Security-Policy", CSP);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Cross-Origin-Opener-Policy", "same-origin");
    headers.set("Cross-Origin-Resource-Policy", "same-origin");
    headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if (tls) {
      headers.set("Strict-Transport-Security", "max-age=31536000");
    }
    if (ctx.request().path().startsWith("/api/")) {
      headers.set("Cache-Control", "no-store");
    }
    ctx.next();
  }
}
