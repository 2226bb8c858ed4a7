package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.ListenerProcess;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Durability: SIGKILL mid-stream loses no acknowledged record and leaves a sound file")
class DurabilityTest {

  private static final int SENDERS = 8;
  private static final long MAX_STREAM_MS = 20_000;

  @Test
  @DisplayName("Kill -9 the listener process while 8 clients stream records, restart, find every acknowledged one")
  void killNineMidStream() throws Exception {
    Path dataDir = Files.createTempDirectory("bitville-durability-");
    JsonObject config = TestListener.baseConfig(dataDir);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Vertx vertx = Vertx.vertx();
    try {
      ListenerProcess first = ListenerProcess.start(config, dataDir.resolve("listener.json"));
      WebClient client = client(vertx, dataDir, config);
      AtomicInteger attempted = new AtomicInteger();
      long started = System.currentTimeMillis();
      for (int i = 0; i < SENDERS; i++) {
        sendLoop(client, acknowledged, attempted, started);
      }
      waitUntil(() -> acknowledged.size() >= 400, started + MAX_STREAM_MS);
      first.kill();
      int acknowledgedAtKill = acknowledged.size();
      assertTrue(acknowledgedAtKill >= 100, "the stream was running when the process was killed: "
          + acknowledgedAtKill);
      Thread.sleep(300);
      try (ListenerProcess second = ListenerProcess.start(config, dataDir.resolve("listener.json"))) {
        Set<String> stored = storedCorrelationIds(dataDir);
        for (String id : acknowledged) {
          assertTrue(stored.contains(id), "acknowledged record " + id + " is missing after the crash");
        }
        assertEquals("ok", integrityCheck(dataDir));
        assertEquals(0, second.terminate(), "graceful SIGTERM exits with 0:\n" + second.output());
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      TestListener.deleteRecursively(dataDir);
    }
  }

  private static WebClient client(Vertx vertx, Path dataDir, JsonObject config) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dataDir.resolve("tls/listener-cert.pem").toString()))
        .setDefaultHost("localhost").setDefaultPort(config.getJsonObject("ingest").getInteger("port"))
        .setConnectTimeout(2000).setIdleTimeout(5));
  }

  /** One sender: posts a record with a fresh correlation id, remembers it only when the listener said 200. */
  private static void sendLoop(WebClient client, Set<String> acknowledged, AtomicInteger attempted, long started) {
    if (System.currentTimeMillis() - started > MAX_STREAM_MS || attempted.incrementAndGet() > 20_000) {
      return;
    }
    String id = UUID.randomUUID().toString();
    Buffer body = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", id).toBuffer();
    client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(body)
        .onComplete(result -> {
          HttpResponse<Buffer> response = result.succeeded() ? result.result() : null;
          if (response != null && response.statusCode() == 200) {
            acknowledged.add(id);
            sendLoop(client, acknowledged, attempted, started);
          }
        });
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition, long deadline)
      throws InterruptedException {
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
  }

  private static Set<String> storedCorrelationIds(Path dataDir) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("bitville.db"));
        ResultSet rows = connection.createStatement().executeQuery("SELECT correlation_id FROM records")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }

  private static String integrityCheck(Path dataDir) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("bitville.db"));
        ResultSet rows = connection.createStatement().executeQuery("PRAGMA integrity_check")) {
      rows.next();
      return rows.getString(1);
    }
  }

}
