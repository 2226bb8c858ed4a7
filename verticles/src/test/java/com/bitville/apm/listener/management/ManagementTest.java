package com.bitville.apm.listener.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Management endpoint: /health, /ready with storage over the bus, /metrics in Prometheus text")
class ManagementTest {

  @Test
  @DisplayName("Ready with storage; metrics count requests by endpoint and status, stored records, rejections")
  void readyAndMetrics() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestListener listener = TestListener.start()) {
      WebClient management = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(listener.managementPort()));
      assertEquals(200, Await.result(management.get("/health").send()).statusCode());
      HttpResponse<Buffer> ready = Await.result(management.get("/ready").send());
      assertEquals(200, ready.statusCode(), ready.bodyAsString());
      assertEquals("UP", ready.bodyAsJsonObject().getString("outcome"));
      // The registry is per JVM and other test classes may have run before: compare deltas.
      double ok = listener.metric("bitville_ingest_requests_total", "endpoint=\"php\",status=\"200\"");
      double unauthorized = listener.metric("bitville_ingest_requests_total", "endpoint=\"php\",status=\"401\"");
      double missingKey = listener.metric("bitville_ingest_rejected_total", "reason=\"missing_key\"");
      double stored = listener.metric("bitville_storage_records_stored_total", null);
      WebClient ingest = listener.httpsClient(vertx);
      Await.result(ingest.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
          .sendBuffer(Fixtures.php("wire/slow_get.json")));
      Await.result(ingest.post("/ingest/php").sendBuffer(Buffer.buffer("{}")));
      String metrics = Await.result(management.get("/metrics").send()).bodyAsString();
      assertEquals(ok + 1, listener.metric("bitville_ingest_requests_total", "endpoint=\"php\",status=\"200\""),
          metrics);
      assertEquals(unauthorized + 1, listener.metric("bitville_ingest_requests_total",
          "endpoint=\"php\",status=\"401\""));
      assertEquals(missingKey + 1, listener.metric("bitville_ingest_rejected_total", "reason=\"missing_key\""));
      assertEquals(stored + 1, listener.metric("bitville_storage_records_stored_total", null));
      assertTrue(metrics.contains("bitville_storage_commit_seconds"));
      assertTrue(metrics.contains("bitville_storage_queue_records"));
    } finally {
      Await.result(vertx.close());
    }
  }

  @Test
  @DisplayName("Without storage the node is live but not ready (503)")
  void notReadyWithoutStorage() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestListener listener = TestListener.start(new JsonObject().put("verticles",
        new JsonObject().put("storage", 0)))) {
      WebClient management = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(listener.managementPort()));
      assertEquals(200, Await.result(management.get("/health").send()).statusCode());
      HttpResponse<Buffer> ready = Await.result(management.get("/ready").send());
      assertEquals(503, ready.statusCode());
      assertTrue(ready.bodyAsString().contains("storage does not answer"));
    } finally {
      Await.result(vertx.close());
    }
  }
}
