package com.bitville.apm.listener.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Cluster mode: verticles split across nodes talk over the clustered event bus")
class ClusterTest {

  @Test
  @DisplayName("An ingest-only node stores through the storage node; a second storage refuses to start; "
      + "retention runs on one node and fails over")
  void splitNodes() throws Exception {
    Path storageDir = Files.createTempDirectory("bitville-cluster-a-");
    Path ingestDir = Files.createTempDirectory("bitville-cluster-b-");
    int portA = TestListener.freePort();
    int portB = TestListener.freePort();
    JsonArray members = new JsonArray().add("127.0.0.1:" + portA).add("127.0.0.1:" + portB);
    ListenerNode storageNode = null;
    ListenerNode ingestNode = null;
    Vertx client = Vertx.vertx();
    try {
      storageNode = Await.result(ListenerNode.start(node(storageDir, portA, members, 1, 0), true));
      FirstStart.Outcome ingest = FirstStart.prepare(node(ingestDir, portB, members, 0, 1));
      ingestNode = Await.result(ListenerNode.start(ingest.config(), true));
      WebClient web = WebClient.create(client, new WebClientOptions().setSsl(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(ingest.certificatePem().toString()))
          .setDefaultHost("localhost").setDefaultPort(ingest.config().getJsonObject("ingest").getInteger("port")));
      HttpResponse<Buffer> response = Await.result(web.post("/ingest/php")
          .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).sendBuffer(Fixtures.php("wire/slow_get.json")));
      assertEquals(200, response.statusCode(), response.bodyAsString());
      assertTrue(Files.exists(storageDir.resolve("bitville.db")), "the storage node wrote the record");
      assertTrue(!Files.exists(ingestDir.resolve("bitville.db")), "the ingest-only node has no database");

      Path thirdDir = Files.createTempDirectory("bitville-cluster-c-");
      JsonObject secondStorage = node(thirdDir, TestListener.freePort(), members, 1, 0);
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> Await.result(ListenerNode.start(secondStorage, true)));
      assertTrue(refused.getCause().getMessage().contains("another StorageVerticle already owns the database"),
          refused.getCause().getMessage());
      TestListener.deleteRecursively(thirdDir);

      assertEquals("active", retentionRole(storageNode), "the first node runs retention");
      assertEquals("standby", retentionRole(ingestNode), "a second node stands by instead of deleting twice");
      Await.result(storageNode.shutdown());
      storageNode = null;
      long deadline = System.currentTimeMillis() + 20_000;
      while (!"active".equals(retentionRole(ingestNode)) && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertEquals("active", retentionRole(ingestNode), "the standby takes over when the active node stops");
    } finally {
      if (ingestNode != null) {
        Await.result(ingestNode.shutdown());
      }
      if (storageNode != null) {
        Await.result(storageNode.shutdown());
      }
      Await.result(client.close());
      TestListener.deleteRecursively(storageDir);
      TestListener.deleteRecursively(ingestDir);
    }
  }

  private static String retentionRole(ListenerNode node) throws Exception {
    return Await.result(node.vertx().eventBus().<JsonObject>request(Addresses.NODE_STATUS_PREFIX + "retention",
        new JsonObject(), new DeliveryOptions().setSendTimeout(2_000))).body().getString("role");
  }

  private static JsonObject node(Path dataDir, int hazelcastPort, JsonArray members, int storage, int ingest)
      throws Exception {
    JsonObject config = ConfigLoader.defaults().mergeIn(TestListener.baseConfig(dataDir), true);
    config.put("verticles", new JsonObject().put("storage", storage).put("http-ingest", ingest).put("management", 1)
            .put("query-server", 0))
        .put("cluster", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", hazelcastPort)
            .put("members", members).put("secret", "cluster-test-secret-0123456789").put("name", "bitville-test-" + members.getString(0).hashCode()));
    return config;
  }
}
