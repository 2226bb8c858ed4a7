package com.bitville.apm.listener.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.ingest.HttpIngestVerticle;
import com.bitville.apm.listener.launcher.FirstStart;
import com.bitville.apm.listener.storage.StorageVerticle;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("/ready is UP only when every component configured on this node is deployed and serving")
class ReadinessTest {

  @Test
  @DisplayName("Storage and management up, configured ingest not yet listening: 503 naming http-ingest; then 200")
  void notReadyUntilIngestListens() throws Exception {
    Path dataDir = Files.createTempDirectory("bitville-readiness-");
    JsonObject config = ConfigLoader.defaults().mergeIn(TestListener.baseConfig(dataDir), true)
        .mergeIn(new JsonObject().put("verticles", new JsonObject().put("http-ingest", 2).put("query-server", 0)
            .put("udp-ingest", 0).put("retention", 0).put("gelf-forwarder", 0).put("rollup", 0)), true);
    config = FirstStart.prepare(config).config();
    Vertx vertx = Vertx.vertx();
    try {
      DeploymentOptions options = new DeploymentOptions().setConfig(config);
      Await.result(vertx.deployVerticle(StorageVerticle::new, options));
      Await.result(vertx.deployVerticle(ManagementVerticle::new, options));
      WebClient management = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(config.getJsonObject("management").getInteger("port")));

      HttpResponse<Buffer> before = Await.result(management.get("/ready").send());
      assertEquals(503, before.statusCode(), before.bodyAsString());
      assertEquals("DOWN", check(before, "http-ingest").getString("status"), before.bodyAsString());

      Await.result(vertx.deployVerticle(HttpIngestVerticle::new, new DeploymentOptions(options).setInstances(2)));
      HttpResponse<Buffer> after = Await.result(management.get("/ready").send());
      assertEquals(200, after.statusCode(), after.bodyAsString());
      JsonObject ingest = check(after, "http-ingest");
      assertEquals("UP", ingest.getString("status"));
      assertEquals(config.getJsonObject("ingest").getInteger("port"), ingest.getJsonObject("data").getInteger("port"));
      assertTrue(after.bodyAsString().contains("\"storage\""));
    } finally {
      Await.result(vertx.close());
      TestListener.deleteRecursively(dataDir);
    }
  }

  private static JsonObject check(HttpResponse<Buffer> ready, String id) {
    return ready.bodyAsJsonObject().getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> id.equals(c.getString("id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + id + " in " + ready.bodyAsString()));
  }
}
