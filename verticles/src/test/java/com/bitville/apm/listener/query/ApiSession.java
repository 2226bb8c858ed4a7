package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/** A logged-in API user for tests: holds the session cookie and sends it with every request. */
final class ApiSession {

  final WebClient client;
  final String cookie;

  private ApiSession(WebClient client, String cookie) {
    this.client = client;
    this.cookie = cookie;
  }

  static HttpResponse<Buffer> login(WebClient client, String user, String password) throws Exception {
    return Await.result(client.post("/api/login").putHeader(Auth.CSRF_HEADER, "1")
        .sendJsonObject(new JsonObject().put("user", user).put("password", password)));
  }

  static ApiSession of(WebClient client, String user) throws Exception {
    HttpResponse<Buffer> response = login(client, user, TestListener.USER_PASSWORD);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    String setCookie = response.headers().getAll("Set-Cookie").stream()
        .filter(c -> c.startsWith(QueryServerVerticle.SESSION_COOKIE + "=")).findFirst().orElseThrow();
    return new ApiSession(client, setCookie.substring(0, setCookie.indexOf(';')));
  }

  HttpResponse<Buffer> get(String uri) throws Exception {
    return Await.result(client.get(uri).putHeader("Cookie", cookie).send());
  }

  JsonObject json(String uri) throws Exception {
    HttpResponse<Buffer> response = get(uri);
    assertEquals(200, response.statusCode(), uri + " -> " + response.bodyAsString());
    return response.bodyAsJsonObject();
  }
}
