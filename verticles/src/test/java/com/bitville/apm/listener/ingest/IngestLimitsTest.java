package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Rate limits, source allow-lists and back-pressure answer 429, 403 and 503 as the protocol says")
class IngestLimitsTest {

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    Await.result(vertx.close());
  }

  private static HttpResponse<Buffer> post(WebClient client, String key, Buffer body) throws Exception {
    return Await.result(client.post("/ingest/php").putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json").sendBuffer(body));
  }

  @Test
  @DisplayName("Over the per-key rate: 429 with Retry-After; other keys unaffected")
  void rateLimited() throws Exception {
    JsonObject limits = new JsonObject().put("ingest", new JsonObject().put("rateLimit", new JsonObject()
        .put("perKeyPerSecond", 0.5).put("perKeyBurst", 2)));
    try (TestListener listener = TestListener.start(limits)) {
      WebClient client = listener.httpsClient(vertx);
      String body = "wire/nosql_noxhprof.json";
      assertEquals(200, post(client, TestListener.SHOP_KEY, Fixtures.phpNewRequest(body)).statusCode());
      assertEquals(200, post(client, TestListener.SHOP_KEY, Fixtures.phpNewRequest(body)).statusCode());
      HttpResponse<Buffer> limited = post(client, TestListener.SHOP_KEY, Fixtures.phpNewRequest(body));
      assertEquals(429, limited.statusCode());
      assertTrue(Integer.parseInt(limited.getHeader("Retry-After")) >= 1);
      assertEquals(200, post(client, TestListener.OTHER_KEY, Fixtures.phpNewRequest(body)).statusCode());
      assertEquals(3, listener.count("SELECT count(*) FROM records"));
    }
  }

  @Test
  @DisplayName("X-Forwarded-For counts only from a trusted proxy")
  void forwardedForFromTrustedProxyOnly() throws Exception {
    JsonObject config = new JsonObject().put("ingest", new JsonObject().put("rateLimit", new JsonObject()
        .put("perClientPerSecond", 0.5).put("perClientBurst", 1)).put("trustedProxies", new JsonArray()));
    try (TestListener listener = TestListener.start(config)) {
      WebClient client = listener.httpsClient(vertx);
      Buffer body = Fixtures.php("wire/nosql_noxhprof.json");
      HttpResponse<Buffer> first = Await.result(client.post("/ingest/php").putHeader("Authorization", "Bearer "
          + TestListener.SHOP_KEY).putHeader("X-Forwarded-For", "203.0.113.1").sendBuffer(body));
      assertEquals(200, first.statusCode());
      HttpResponse<Buffer> spoofed = Await.result(client.post("/ingest/php").putHeader("Authorization", "Bearer "
          + TestListener.SHOP_KEY).putHeader("X-Forwarded-For", "203.0.113.2").sendBuffer(body));
      assertEquals(429, spoofed.statusCode(), "an untrusted peer cannot pick a fresh address per request");
    }
    JsonObject trusted = config.copy();
    trusted.getJsonObject("ingest").put("trustedProxies", new JsonArray().add("127.0.0.1/32"));
    try (TestListener listener = TestListener.start(trusted)) {
      WebClient client = listener.httpsClient(vertx);
      Buffer body = Fixtures.php("wire/nosql_noxhprof.json");
      for (String address : new String[] {"203.0.113.1", "203.0.113.2"}) {
        HttpResponse<Buffer> response = Await.result(client.post("/ingest/php").putHeader("Authorization",
            "Bearer " + TestListener.SHOP_KEY).putHeader("X-Forwarded-For", address).sendBuffer(body));
        assertEquals(200, response.statusCode(), "behind a trusted proxy each client has its own bucket");
      }
    }
  }

  @Test
  @DisplayName("Source network not in the project's allow-list: 403, nothing stored")
  void allowList() throws Exception {
    JsonObject config = new JsonObject().put("projects", new JsonObject()
        .put("shop", new JsonObject().put("allowedNetworks", new JsonArray().add("10.0.0.0/8")))
        .put("other", new JsonObject().put("allowedNetworks", new JsonArray().add("127.0.0.0/8"))));
    try (TestListener listener = TestListener.start(config)) {
      WebClient client = listener.httpsClient(vertx);
      Buffer body = Fixtures.php("wire/nosql_noxhprof.json");
      assertEquals(403, post(client, TestListener.SHOP_KEY, body).statusCode());
      assertEquals(200, post(client, TestListener.OTHER_KEY, body).statusCode());
      assertEquals(1, listener.count("SELECT count(*) FROM records"));
    }
  }

  @Test
  @DisplayName("No storage reachable: 503 with Retry-After and a message without internals")
  void storageDown() throws Exception {
    JsonObject config = new JsonObject().put("verticles", new JsonObject().put("storage", 0))
        .put("ingest", new JsonObject().put("storageTimeoutMs", 500));
    try (TestListener listener = TestListener.start(config)) {
      HttpResponse<Buffer> response = post(listener.httpsClient(vertx), TestListener.SHOP_KEY,
          Fixtures.php("wire/nosql_noxhprof.json"));
      assertEquals(503, response.statusCode());
      assertNotNull(response.getHeader("Retry-After"));
      assertTrue(response.bodyAsJsonObject().getString("message").contains("nothing was stored"));
    }
  }

  @Test
  @DisplayName("Storage queue full: 503, and the next request that fits is stored")
  void queueFull() throws Exception {
    JsonObject config = new JsonObject().put("storage", new JsonObject().put("maxQueuedRecords", 10));
    try (TestListener listener = TestListener.start(config)) {
      WebClient client = listener.httpsClient(vertx);
      JsonArray batch = new JsonArray();
      for (int i = 0; i < 11; i++) {
        batch.add(new JsonObject(Fixtures.phpNewRequest("wire/nosql_noxhprof.json")));
      }
      HttpResponse<Buffer> busy = post(client, TestListener.SHOP_KEY, batch.toBuffer());
      assertEquals(503, busy.statusCode());
      assertNotNull(busy.getHeader("Retry-After"));
      assertEquals(0, listener.count("SELECT count(*) FROM records"));
      batch.remove(0);
      assertEquals(200, post(client, TestListener.SHOP_KEY, batch.toBuffer()).statusCode());
      assertEquals(10, listener.count("SELECT count(*) FROM records"));
    }
  }
}
