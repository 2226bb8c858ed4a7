package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.ListenerProcess;
import com.bitville.apm.listener.testsupport.PemTrust;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Body memory: bounded in bytes per node, buffers grow with what arrives, 503 beyond the budget")
class BodyMemoryTest {

  private static final int ATTACK_CONNECTIONS = 300;
  private static final int DECLARED_BYTES = 2_000_000;

  @Test
  @DisplayName("300 connections announce 2 MB and send 1 KB to a 256 MiB listener: no OutOfMemoryError, others served")
  void contentLengthAttackOnSmallHeap() throws Exception {
    Path dataDir = Files.createTempDirectory("bitville-bodymemory-");
    JsonObject config = TestListener.baseConfig(dataDir).put("ingest", TestListener.baseConfig(dataDir)
        .getJsonObject("ingest").put("bodyTimeoutMs", 120_000)
        .put("rateLimit", new JsonObject().put("perClientPerSecond", 100_000).put("perKeyPerSecond", 100_000)));
    Vertx vertx = Vertx.vertx();
    List<Socket> attack = new ArrayList<>();
    try (ListenerProcess listener = ListenerProcess.start(config, dataDir.resolve("listener.json"), "256m")) {
      SSLContext tls = PemTrust.trusting(dataDir.resolve("tls/listener-cert.pem"));
      int port = config.getJsonObject("ingest").getInteger("port");
      for (int i = 0; i < ATTACK_CONNECTIONS && listener.isAlive(); i++) {
        attack.add(announceAndStall(tls, port, DECLARED_BYTES, 1024));
      }
      WebClient client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(dataDir.resolve("tls/listener-cert.pem").toString()))
          .setDefaultHost("localhost").setDefaultPort(port).setConnectTimeout(10_000));
      for (int i = 0; i < 20; i++) {
        HttpResponse<Buffer> response = Await.result(post(client, Fixtures.phpJson("wire/slow_get.json")
            .put("correlation_id", UUID.randomUUID().toString()).toBuffer()));
        assertEquals(200, response.statusCode(), "a normal agent is served during the attack: "
            + response.bodyAsString());
      }
      assertTrue(listener.isAlive(), listener.output());
      assertFalse(listener.output().contains("OutOfMemoryError"), listener.output());
    } finally {
      for (Socket socket : attack) {
        socket.close();
      }
      Await.result(vertx.close());
      TestListener.deleteRecursively(dataDir);
    }
  }

  @Test
  @DisplayName("Beyond ingest.bodyMemoryBytes a body is refused with 503 + Retry-After before it is read")
  void refusedBeyondTheBudget() throws Exception {
    int budget = 1024 * 1024;
    Vertx vertx = Vertx.vertx();
    try (TestListener listener = TestListener.start(new JsonObject().put("ingest", new JsonObject()
        .put("bodyMemoryBytes", budget)))) {
      SSLContext tls = PemTrust.trusting(listener.certificate());
      WebClient client = listener.httpsClient(vertx);
      Buffer large = padded(600 * 1024);
      Buffer small = Fixtures.php("wire/nosql_noxhprof.json");
      try (Socket holder = announceAndStall(tls, listener.ingestPort(), 1_000_000, 800 * 1024)) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (listener.metric("bitville_ingest_body_memory_bytes", null) < 800 * 1024
            && System.currentTimeMillis() < deadline) {
          Thread.sleep(50);
        }
        HttpResponse<Buffer> refused = waitForStatus(client, large, 503);
        assertNotNull(refused.getHeader("Retry-After"));
        assertEquals("unavailable", refused.bodyAsJsonObject().getString("error"));
        assertEquals(200, Await.result(post(client, small)).statusCode(), "a small body still fits");
      }
      assertEquals(200, waitForStatus(client, large, 200).statusCode(),
          "the budget is released when the stalled connection goes away");
    } finally {
      Await.result(vertx.close());
    }
  }

  private static io.vertx.core.Future<HttpResponse<Buffer>> post(WebClient client, Buffer body) {
    return client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(body);
  }

  /** The slow connection's bytes arrive asynchronously: retry until the expected answer, with a deadline. */
  private static HttpResponse<Buffer> waitForStatus(WebClient client, Buffer body, int status) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    HttpResponse<Buffer> response = Await.result(post(client, body));
    while (response.statusCode() != status && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      response = Await.result(post(client, body));
    }
    assertEquals(status, response.statusCode(), response.bodyAsString());
    return response;
  }

  /** A valid PHP payload padded with spaces to about {@code bytes}. */
  private static Buffer padded(int bytes) {
    Buffer payload = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", UUID.randomUUID().toString())
        .toBuffer();
    byte[] spaces = new byte[Math.max(0, bytes - payload.length())];
    Arrays.fill(spaces, (byte) ' ');
    return payload.appendBytes(spaces);
  }

  /** Opens a TLS connection, sends headers announcing {@code declared} bytes and only {@code sent} of them. */
  private static Socket announceAndStall(SSLContext tls, int port, int declared, int sent) throws Exception {
    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", port);
    socket.setSoTimeout(30_000);
    socket.startHandshake();
    OutputStream out = socket.getOutputStream();
    out.write(("POST /ingest/php HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestListener.SHOP_KEY
        + "\r\nContent-Type: application/json\r\nContent-Length: " + declared + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    byte[] body = new byte[sent];
    Arrays.fill(body, (byte) ' ');
    body[0] = '[';
    out.write(body);
    out.flush();
    return socket;
  }
}
