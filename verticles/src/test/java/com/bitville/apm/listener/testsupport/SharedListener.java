package com.bitville.apm.listener.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One listener and one HTTPS client shared by all tests of a class: register it as a static field with
 * {@code @RegisterExtension}; it starts before the first test and stops after the last.
 */
public final class SharedListener implements BeforeAllCallback, AfterAllCallback {

  private final JsonObject overrides;
  private TestListener listener;
  private Vertx vertx;
  private WebClient client;

  public SharedListener() {
    this(new JsonObject());
  }

  /** @param overrides merged over the test defaults, as in {@link TestListener#start(JsonObject)} */
  public SharedListener(JsonObject overrides) {
    this.overrides = overrides;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    listener = TestListener.start(overrides);
    vertx = Vertx.vertx();
    client = listener.httpsClient(vertx);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (client != null) {
      client.close();
    }
    if (vertx != null) {
      Await.result(vertx.close());
    }
    if (listener != null) {
      listener.close();
    }
  }

  public TestListener listener() {
    return listener;
  }

  public WebClient client() {
    return client;
  }

  public Vertx vertx() {
    return vertx;
  }
}
