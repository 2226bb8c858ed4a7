package com.bitville.apm.listener.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.gelf.GelfTestReceiver;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.ListenerProcess;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode with every node a separate JVM on loopback, started by the real launcher. Each test has its own
 * cluster name, secret and free Hazelcast ports in a TCP/IP member list, so parallel runs never meet.
 */
@DisplayName("Cluster of separate JVMs: roles by config, any start order, foreign nodes refused, storage crash survived")
class ClusterProcessTest {

  private static final long DEADLINE_MS = 120_000;
  private final List<ListenerProcess> processes = new ArrayList<>();
  private final List<Path> dirs = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();
  private final String clusterName = "bitville-test-" + UUID.randomUUID();
  private final String secret = "secret-" + UUID.randomUUID();
  private final JsonArray members = new JsonArray();

  @AfterEach
  void stopEverything() throws Exception {
    for (ListenerProcess process : processes) {
      process.close();
    }
    Await.result(vertx.close());
    for (Path dir : dirs) {
      TestListener.deleteRecursively(dir);
    }
  }

  @Test
  @DisplayName("ingest before storage answers 503 + Retry-After, then recovers by itself; records from two ingest "
      + "nodes are stored once and visible through the UI node; counts from config on /metrics; a second storage "
      + "and a node with the wrong secret are refused; an ingest node killed, the other keeps serving")
  void threeNodesAnyOrder() throws Exception {
    Node ingestA = node("ingest-a", ingestOnly());
    Node core = node("core", core());
    Node ingestB = node("ingest-b", ingestOnly());

    ingestA.start();
    HttpResponse<Buffer> early = post(ingestA, UUID.randomUUID().toString());
    assertEquals(503, early.statusCode(), "no storage in the cluster yet: " + early.bodyAsString());
    assertTrue(early.getHeader("Retry-After") != null, "503 says when to retry");
    HttpResponse<Buffer> notReady = Await.result(ingestA.management().get("/ready").send());
    assertEquals(503, notReady.statusCode());
    assertEquals("DOWN", check(notReady.bodyAsJsonObject(), "storage").getString("status"), notReady.bodyAsString());

    core.start();
    ingestB.start();
    Set<String> sent = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      sent.add(postUntilAcknowledged(ingestA));
      sent.add(postUntilAcknowledged(ingestB));
    }

    HttpResponse<Buffer> ready = Await.result(ingestA.management().get("/ready").send());
    assertEquals(200, ready.statusCode(), ready.bodyAsString());
    assertEquals("core", check(ready.bodyAsJsonObject(), "storage").getJsonObject("data").getString("node"),
        "/ready names the remote storage node it reaches: " + ready.bodyAsString());

    JsonObject page = uiSession(core).json("/api/requests?project=shop&limit=200");
    List<String> visible = new ArrayList<>();
    page.getJsonArray("items").forEach(item -> visible.add(((JsonObject) item).getString("correlation_id")));
    assertTrue(visible.containsAll(sent), "every acknowledged record is visible through the UI node");
    assertEquals(new HashSet<>(visible).size(), visible.size(), "each record is stored once: " + visible);
    assertEquals(sent.size(), countStored(core, sent), "the storage node's file has each record once");
    assertTrue(Files.notExists(ingestA.dataDir.resolve("bitville.db")), "ingest nodes keep no database");

    String ingestMetrics = metrics(ingestA);
    assertEquals(2.0, gauge(ingestMetrics, "bitville_verticle_instances{verticle=\"http-ingest\""), ingestMetrics);
    assertEquals(-1.0, gauge(ingestMetrics, "bitville_verticle_instances{verticle=\"storage\""), ingestMetrics);
    assertEquals(3.0, gauge(ingestMetrics, "bitville_cluster_members"), ingestMetrics);
    String coreMetrics = metrics(core);
    assertEquals(1.0, gauge(coreMetrics, "bitville_verticle_instances{verticle=\"storage\""), coreMetrics);
    assertEquals(1.0, gauge(coreMetrics, "bitville_verticle_instances{verticle=\"query-server\""), coreMetrics);
    assertEquals(-1.0, gauge(coreMetrics, "bitville_verticle_instances{verticle=\"http-ingest\""), coreMetrics);

    Node secondStorage = node("second-core", core());
    ListenerProcess refused = ListenerProcess.startExpectingFailure(secondStorage.config,
        secondStorage.dataDir.resolve("listener.json"));
    assertEquals(1, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("another StorageVerticle already owns the database"), refused.output());

    Node foreign = node("foreign", ingestOnly());
    foreign.config.getJsonObject("cluster").put("secret", "a-different-secret-0123456789");
    foreign.start();
    assertEquals(503, post(foreign, UUID.randomUUID().toString()).statusCode(),
        "a node with the wrong secret does not reach the cluster's storage");
    assertEquals(1.0, gauge(metrics(foreign), "bitville_cluster_members"), "the foreign node is alone");
    waitUntil(() -> gauge(metricsQuietly(core), "bitville_cluster_members") == 3.0, "the second storage node left");
    assertEquals(3.0, gauge(metrics(core), "bitville_cluster_members"), "the cluster did not admit the foreign node");
    assertEquals(sent.size(), countStored(core, sent), "nothing was stored twice by the refused nodes");

    ingestA.process.kill();
    String afterKill = UUID.randomUUID().toString();
    HttpResponse<Buffer> stillServing = post(ingestB, afterKill);
    assertEquals(200, stillServing.statusCode(), "the other ingest node keeps serving: " + stillServing.bodyAsString());
    assertEquals(1, countStored(core, Set.of(afterKill)));
  }

  @Test
  @DisplayName("UI and ingest nodes started before any core node: ingest answers 503 + Retry-After, the UI 503, "
      + "/ready names storage, retention, forwarder and rollup unreachable; all recover by themselves when the core "
      + "node starts; the core node SIGKILLed under load and replaced by another core node (other name and ports, "
      + "same data directory): ingest resumes without a restart and no acknowledged record is lost")
  void coreStartsLastThenMovesToAnotherNode() throws Exception {
    int graylogPort = TestListener.freePort();
    Node ui = node("ui", ingestOnly().put("http-ingest", 0).put("query-server", 1));
    Node ingest = node("ingest", ingestOnly());
    Node core = node("core-1", core().put("gelf-forwarder", 1).put("query-server", 0));
    core.config.put("graylog", new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", graylogPort));
    ui.start();
    ingest.start();

    HttpResponse<Buffer> early = post(ingest, UUID.randomUUID().toString());
    assertEquals(503, early.statusCode(), "no storage in the cluster yet: " + early.bodyAsString());
    assertTrue(early.getHeader("Retry-After") != null, "503 says when to retry");
    JsonObject notReady = readyBody(ingest, 503);
    assertTrue(check(notReady, "storage").getJsonObject("data").getString("reason").contains("NO_HANDLERS"),
        notReady.encode());
    for (String component : SINGLETONS) {
      assertEquals(false, clusterView(notReady, component).getBoolean("reachable"), component + ": " + notReady);
    }
    ApiSessionForCluster session = uiSession(ui);
    HttpResponse<Buffer> noStorage = Await.result(ui.ui().get("/api/requests?project=shop").putHeader("Cookie",
        session.cookie()).send());
    assertEquals(503, noStorage.statusCode(), "the UI node answers 503 without storage: " + noStorage.bodyAsString());

    core.start();
    String first = postUntilAcknowledged(ingest);
    assertTrue(visibleThroughUi(session, first), "the UI node reads the core node's storage");
    awaitReadyNaming(ingest, "core-1");

    Load load = startLoad(ingest);
    load.awaitAcknowledged(100, "records acknowledged before the crash");
    core.process.kill();
    long killedAt = System.currentTimeMillis();
    int atKill = load.acknowledged();
    waitUntil(() -> load.unavailable() > 0, "ingest answers 503 while storage is gone");
    long first503 = System.currentTimeMillis() - killedAt;

    Node replacement = nodeOn("core-2", core.dataDir, core().put("gelf-forwarder", 1).put("query-server", 0));
    replacement.config.put("graylog", core.config.getJsonObject("graylog").copy());
    int refusals = startRetrying(replacement);
    assertEquals(0, refusals, "a storage node started right after the crash waits for the dead one to be dropped");
    long replacedAfter = System.currentTimeMillis() - killedAt;
    load.awaitAcknowledged(atKill + 100, "ingest acknowledges again through the new core node");
    long resumedAfter = System.currentTimeMillis() - killedAt;
    load.stopAndAssertNoneLost(replacement);
    awaitReadyNaming(ingest, "core-2");
    String afterMove = postUntilAcknowledged(ingest);
    assertTrue(visibleThroughUi(session, afterMove), "the UI node, never restarted, reads the new core node");
    System.out.println("Storage moved to another core node: first 503 " + first503 + " ms after the SIGKILL, "
        + refusals + " refused start(s), new core node ready after " + replacedAfter + " ms, ingest acknowledging "
        + "again after " + resumedAfter + " ms; " + load.acknowledged() + " acknowledged, none lost");
  }

  @Test
  @DisplayName("core node under bounded load frozen (SIGSTOP) longer than the failure detection: ingest answers 503, "
      + "a second storage on the same file is refused while the frozen one holds it, after SIGCONT the cluster heals; "
      + "then the same core node SIGKILLed and restarted at once on its data directory: ingest recovers by itself; "
      + "no acknowledged record is lost")
  void coreNodeFrozenThenKilledUnderLoad() throws Exception {
    Node ingest = node("ingest", ingestOnly());
    Node core = node("core", core().put("query-server", 0));
    core.start();
    ingest.start();
    Load load = startLoad(ingest);
    load.awaitAcknowledged(50, "records acknowledged before the freeze");

    core.process.freeze();
    long frozenAt = System.currentTimeMillis();
    int atFreeze = load.acknowledged();
    waitUntil(() -> load.unavailable() > 0, "ingest answers 503 while the core node is frozen");
    long first503 = System.currentTimeMillis() - frozenAt;
    waitUntil(() -> gauge(metricsQuietly(ingest), "bitville_cluster_members") == 1.0, "the frozen node is removed");
    long removedAfter = System.currentTimeMillis() - frozenAt;
    assertTrue(load.acknowledged() <= atFreeze + 8, "nothing is acknowledged while storage is frozen");
    JsonObject cutOff = readyBody(ingest, 503);
    assertEquals("DOWN", check(cutOff, "storage").getString("status"), cutOff.encode());
    for (String component : SINGLETONS) {
      assertEquals(false, clusterView(cutOff, component).getBoolean("reachable"), component + ": " + cutOff);
    }
    Node intruder = nodeOn("core-2", core.dataDir, core().put("query-server", 0).put("retention", 0).put("rollup", 0));
    ListenerProcess refused = ListenerProcess.startExpectingFailure(intruder.config,
        intruder.dataDir.resolve("listener-core-2.json"));
    assertEquals(1, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("open for writing"), "refused by the file lock, not by the cluster: "
        + refused.output());

    core.process.thaw();
    long thawedAt = System.currentTimeMillis();
    try {
      waitUntil(() -> load.acknowledged() >= atFreeze + 50 || !core.process.isAlive(),
          "the cluster heals (ingest acknowledges again) or the frozen node steps down");
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\ncore:\n" + tail(core.process.output()) + "\ningest:\n"
          + tail(ingest.process.output()), e);
    }
    long healedAfter = System.currentTimeMillis() - thawedAt;
    assertTrue(core.process.isAlive(), "the thawed core node serves again:\n" + tail(core.process.output()));

    load.awaitAcknowledged(load.acknowledged() + 50, "records acknowledged before the crash");
    int unavailableBeforeKill = load.unavailable();
    core.process.kill();
    int atKill = load.acknowledged();
    waitUntil(() -> load.unavailable() > unavailableBeforeKill, "ingest answers 503 while storage is gone");
    int refusals = startRetrying(core);
    assertEquals(0, refusals, "a storage node restarted right after the crash waits for the dead one to be dropped");
    load.awaitAcknowledged(atKill + 100, "ingest acknowledges again after the restart");
    load.stopAndAssertNoneLost(core);
    System.out.println("Frozen core node: first 503 " + first503 + " ms after SIGSTOP, removed from the cluster after "
        + removedAfter + " ms; after SIGCONT ingest acknowledged again within " + healedAfter + " ms; then killed "
        + "and restarted; " + load.acknowledged() + " acknowledged, none lost");
  }

  @Test
  @DisplayName("node of the active GELF forwarder, retention and rollup SIGKILLed mid-replay: the standby on another "
      + "node takes over all three and the GELF receiver gets every stored record (duplicates counted)")
  void forwarderNodeKilledMidReplay() throws Exception {
    int graylogPort = TestListener.freePort();
    JsonObject graylog = new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", graylogPort)
        .put("backoffInitialMs", 50).put("backoffMaxMs", 500).put("circuitResetMs", 300)
        .put("confirmDelayMs", 100).put("replayIntervalMs", 1000);
    Node core = node("core", core().put("http-ingest", 1).put("rollup", 0).put("retention", 0)
        .put("query-server", 0));
    Node active = node("forwarder-a", forwarderOnly());
    Node standby = node("forwarder-b", forwarderOnly());
    for (Node node : List.of(core, active, standby)) {
      node.config.put("graylog", graylog.copy());
      node.config.getJsonObject("ingest").put("rateLimit", new JsonObject().put("perKeyPerSecond", 100_000));
    }
    core.start();
    active.start();
    standby.start();
    for (String component : List.of("gelf-forwarder", "retention", "rollup")) {
      assertEquals("active", role(active, component), component);
      assertEquals("standby", role(standby, component), component);
    }

    Set<Long> stored = new HashSet<>();
    for (int batch = 0; batch < GELF_RECORDS / 100; batch++) {
      stored.addAll(postBatch(core, 100));
    }
    assertEquals(GELF_RECORDS, stored.size());

    GelfTestReceiver receiver = new GelfTestReceiver(vertx).start(graylogPort);
    try {
      waitUntil(() -> receiver.distinctRecords() > 0, "the replay started");
      active.process.kill();
      int atKill = receiver.distinctRecords();
      assertTrue(atKill < GELF_RECORDS, "killed mid-replay (" + atKill + " of " + GELF_RECORDS + " had arrived)");
      assertTrue(receiver.awaitDistinctWhileProgressing(GELF_RECORDS, 60_000, 240_000),
          "only " + receiver.distinctRecords() + " of " + GELF_RECORDS + " arrived");
      assertEquals(stored, new HashSet<>(receiver.arrivalOrder()), "exactly the stored records arrived");
      for (String component : List.of("gelf-forwarder", "retention", "rollup")) {
        awaitRole(standby, component, "active");
      }
      int duplicates = receiver.arrivalOrder().size() - stored.size();
      System.out.println("Forwarder fail-over: " + atKill + " of " + GELF_RECORDS + " forwarded at the kill, "
          + duplicates + " duplicates");
      assertEquals(List.of(), receiver.violations());
    } finally {
      receiver.close();
    }
  }

  @Test
  @DisplayName("UI node SIGKILLed: a session created on it is valid on the other UI node (clustered session store), "
      + "before and after the kill, and the live feed, re-subscribed on the surviving UI node, delivers new records")
  void uiNodeKilledSessionSurvives() throws Exception {
    Node core = node("core", core().put("http-ingest", 1));
    Node ui = node("ui", ingestOnly().put("http-ingest", 0).put("query-server", 1));
    core.start();
    ui.start();
    ApiSessionForCluster onUi = uiSession(ui);
    ApiSessionForCluster sameCookieOnCore = new ApiSessionForCluster(core.ui(), onUi.cookie());
    assertEquals(TestListener.ADMIN_USER, sameCookieOnCore.json("/api/me").getString("user"),
        "the session created on one UI node is valid on the other");
    assertLiveFeedDelivers(ui, onUi.cookie(), core);

    ui.process.kill();
    waitUntil(() -> gauge(metricsQuietly(core), "bitville_cluster_members") == 1.0, "the killed UI node is removed");
    assertEquals(TestListener.ADMIN_USER, sameCookieOnCore.json("/api/me").getString("user"),
        "the session outlives the UI node it was created on");
    assertLiveFeedDelivers(core, onUi.cookie(), core);
    HttpResponse<Buffer> forged = Await.result(core.ui().get("/api/me").putHeader("Cookie",
        "bitville_session=" + UUID.randomUUID()).send());
    assertEquals(401, forged.statusCode(), "an unknown session is still refused");
  }

  /**
   * Subscribes to the project's live feed on {@code uiNode} the way the browser does (raw WebSocket of the SockJS
   * bridge, session cookie) and posts records to {@code ingestNode} until one of them arrives on the socket.
   */
  private void assertLiveFeedDelivers(Node uiNode, String cookie, Node ingestNode) throws Exception {
    java.util.concurrent.BlockingQueue<JsonObject> frames = new java.util.concurrent.LinkedBlockingQueue<>();
    int port = uiNode.config.getJsonObject("query").getInteger("port");
    io.vertx.core.http.WebSocketClient sockets = vertx.createWebSocketClient(
        new io.vertx.core.http.WebSocketClientOptions().setSsl(true).setVerifyHost(true).setTrustOptions(
            new PemTrustOptions().addCertPath(uiNode.dataDir.resolve("tls/listener-cert.pem").toString())));
    try {
      io.vertx.core.http.WebSocket socket = Await.result(sockets.connect(new io.vertx.core.http.WebSocketConnectOptions()
          .setHost("localhost").setPort(port).setURI("/eventbus/websocket").setSsl(true)
          .addHeader("Origin", "https://localhost:" + port).addHeader("Cookie", cookie)));
      socket.handler(data -> frames.add(new JsonObject(data)));
      Await.result(socket.writeTextMessage(new JsonObject().put("type", "register")
          .put("address", com.bitville.apm.shared.bus.Addresses.LIVE_REQUESTS_PREFIX + "shop").encode()));
      Set<String> posted = new HashSet<>();
      long deadline = System.currentTimeMillis() + DEADLINE_MS;
      while (System.currentTimeMillis() < deadline && posted.size() < 50) {
        posted.add(postUntilAcknowledged(ingestNode));
        long wait = System.currentTimeMillis() + 3_000;
        JsonObject frame;
        while ((frame = frames.poll(Math.max(1, wait - System.currentTimeMillis()),
            java.util.concurrent.TimeUnit.MILLISECONDS)) != null) {
          assertNotEquals("err", frame.getString("type"), "the bridge refused: " + frame.encode());
          JsonObject body = frame.getJsonObject("body");
          if ("rec".equals(frame.getString("type")) && body != null && posted.contains(body.getString("correlation_id"))) {
            socket.close();
            return;
          }
        }
      }
      throw new AssertionError("no posted record arrived on the live feed of " + uiNode.name);
    } finally {
      sockets.close();
    }
  }

  @Test
  @DisplayName("event bus over TLS between nodes: records cross it; a node whose certificate is not trusted "
      + "cannot reach storage")
  void eventBusTls() throws Exception {
    Path trusted = pemPair("trusted");
    Path untrusted = pemPair("untrusted");
    Node core = node("core", core().put("rollup", 0).put("retention", 0).put("query-server", 0));
    Node ingest = node("ingest", ingestOnly());
    Node stranger = node("stranger", ingestOnly());
    core.config.getJsonObject("cluster").put("tls", clusterTls(trusted, trusted));
    ingest.config.getJsonObject("cluster").put("tls", clusterTls(trusted, trusted));
    stranger.config.getJsonObject("cluster").put("tls", clusterTls(untrusted, trusted));
    core.start();
    ingest.start();
    String id = postUntilAcknowledged(ingest);
    assertEquals(1, countStored(core, Set.of(id)), "the record crossed the TLS event bus once");
    stranger.start();
    String refused = UUID.randomUUID().toString();
    assertEquals(503, post(stranger, refused).statusCode(), "an untrusted certificate does not reach storage");
    assertEquals(0, countStored(core, Set.of(refused)));
  }

  private static JsonObject clusterTls(Path own, Path trusted) {
    return new JsonObject().put("enabled", true).put("certPath", own.resolve("cert.pem").toString())
        .put("keyPath", own.resolve("key.pem").toString()).put("trustCertPath", trusted.resolve("cert.pem").toString());
  }

  /** A self-signed certificate and its key as PEM files, made with the launcher's own certificate tooling. */
  private Path pemPair(String name) throws Exception {
    Path dir = Files.createTempDirectory("bitville-cluster-tls-" + name + "-");
    dirs.add(dir);
    SelfSignedCertificate generated = SelfSignedCertificate.ensure(dir.resolve("tls"));
    java.security.KeyStore keystore = java.security.KeyStore.getInstance("PKCS12");
    char[] password = generated.password().toCharArray();
    try (var in = Files.newInputStream(generated.keystore())) {
      keystore.load(in, password);
    }
    String alias = keystore.aliases().nextElement();
    java.security.Key key = keystore.getKey(alias, password);
    Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    Files.copy(generated.certificatePem(), dir.resolve("cert.pem"));
    return dir;
  }

  private static final int GELF_RECORDS = 5_000;

  private static JsonObject forwarderOnly() {
    return ingestOnly().put("http-ingest", 0).put("gelf-forwarder", 1).put("retention", 1).put("rollup", 1);
  }

  /** Each singleton takes over on its own schedule (lock retry after the dead member is dropped). */
  private void awaitRole(Node node, String component, String expected) throws Exception {
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    while (!expected.equals(role(node, component)) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(expected, role(node, component), "the standby took over " + component);
  }

  private String role(Node node, String component) throws Exception {
    HttpResponse<Buffer> ready = Await.result(node.management().get("/ready").send());
    return check(ready.bodyAsJsonObject(), component).getJsonObject("data").getString("role");
  }

  private List<Long> postBatch(Node node, int count) throws Exception {
    JsonArray batch = new JsonArray();
    for (int i = 0; i < count; i++) {
      batch.add(Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", UUID.randomUUID().toString()));
    }
    HttpResponse<Buffer> response = Await.result(node.ingest().post("/ingest/php")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(batch.toBuffer()));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    List<Long> ids = new ArrayList<>();
    response.bodyAsJsonObject().getJsonArray("ids").forEach(id -> ids.add(((Number) id).longValue()));
    return ids;
  }

  private static final List<String> SINGLETONS = List.of("retention", "gelf-forwarder", "rollup");

  private JsonObject readyBody(Node node, int expectedStatus) throws Exception {
    HttpResponse<Buffer> ready = Await.result(node.management().get("/ready").send());
    assertEquals(expectedStatus, ready.statusCode(), ready.bodyAsString());
    return ready.bodyAsJsonObject();
  }

  private static JsonObject clusterView(JsonObject ready, String component) {
    JsonObject cluster = check(ready, component).getJsonObject("data").getJsonObject("cluster");
    assertTrue(cluster != null, component + " says where it runs in the cluster: " + ready.encode());
    return cluster;
  }

  /** Waits until /ready answers 200 and names {@code coreNode} for storage and every one-active component. */
  private void awaitReadyNaming(Node node, String coreNode) throws Exception {
    waitUntil(() -> {
      try {
        HttpResponse<Buffer> ready = Await.result(node.management().get("/ready").send());
        JsonObject body = ready.bodyAsJsonObject();
        boolean named = ready.statusCode() == 200
            && coreNode.equals(check(body, "storage").getJsonObject("data").getString("node"));
        for (String component : SINGLETONS) {
          named &= coreNode.equals(clusterView(body, component).getString("active_node"));
        }
        return named;
      } catch (Exception | AssertionError e) {
        return false;
      }
    }, "/ready names " + coreNode + " for storage, retention, gelf-forwarder and rollup");
  }

  private static boolean visibleThroughUi(ApiSessionForCluster session, String correlationId) throws Exception {
    return session.json("/api/requests?project=shop&correlation_id=" + correlationId).getJsonArray("items").size() == 1;
  }

  /**
   * Starts a node, retrying while it is refused (a new storage node is refused until the cluster has dropped the
   * old one). Returns how many starts were refused.
   */
  private int startRetrying(Node node) throws Exception {
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    int refusals = 0;
    while (true) {
      try {
        node.start();
        return refusals;
      } catch (IllegalStateException e) {
        refusals++;
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  private static String tail(String output) {
    return output.length() <= 6_000 ? output : output.substring(output.length() - 6_000);
  }

  // ---- the nodes

  private final class Node {
    final String name;
    final Path dataDir;
    final JsonObject config;
    ListenerProcess process;
    WebClient ingest;
    WebClient ui;
    WebClient management;

    Node(String name, Path dataDir, JsonObject config) {
      this.name = name;
      this.dataDir = dataDir;
      this.config = config;
    }

    void start() throws Exception {
      process = ListenerProcess.start(config, dataDir.resolve("listener-" + name + ".json"), "256m");
      processes.add(process);
    }

    WebClient ingest() {
      if (ingest == null) {
        ingest = https(config.getJsonObject("ingest").getInteger("port"));
      }
      return ingest;
    }

    WebClient ui() {
      if (ui == null) {
        ui = https(config.getJsonObject("query").getInteger("port"));
      }
      return ui;
    }

    WebClient management() {
      if (management == null) {
        management = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
            .setDefaultPort(config.getJsonObject("management").getInteger("port")));
      }
      return management;
    }

    private WebClient https(int port) {
      return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(dataDir.resolve("tls/listener-cert.pem").toString()))
          .setDefaultHost("localhost").setDefaultPort(port).setConnectTimeout(5_000).setIdleTimeout(20));
    }
  }

  private Node node(String name, JsonObject verticles) throws Exception {
    Path dataDir = Files.createTempDirectory("bitville-cluster-" + name + "-");
    dirs.add(dataDir);
    return nodeOn(name, dataDir, verticles);
  }

  /** A node with its own name and ports on a given data directory (another node's, to take its place). */
  private Node nodeOn(String name, Path dataDir, JsonObject verticles) throws Exception {
    int hazelcastPort = TestListener.freePort();
    members.add("127.0.0.1:" + hazelcastPort);
    JsonObject config = TestListener.baseConfig(dataDir);
    config.getJsonObject("node").put("name", name);
    config.put("verticles", verticles)
        .put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("secret", secret)
            .put("host", "127.0.0.1").put("port", hazelcastPort).put("members", members));
    return new Node(name, dataDir, config);
  }

  private static JsonObject ingestOnly() {
    return new JsonObject().put("http-ingest", 2).put("udp-ingest", 0).put("management", 1).put("storage", 0)
        .put("retention", 0).put("gelf-forwarder", 0).put("rollup", 0).put("query-server", 0);
  }

  private static JsonObject core() {
    return new JsonObject().put("http-ingest", 0).put("udp-ingest", 0).put("management", 1).put("storage", 1)
        .put("retention", 1).put("gelf-forwarder", 0).put("rollup", 1).put("query-server", 1);
  }

  // ---- bounded client load

  private static final int LOAD_LOOPS = 4;
  private static final int MAX_ATTEMPTS = 20_000;

  private Load startLoad(Node ingest) {
    Load load = new Load(ingest);
    for (int i = 0; i < LOAD_LOOPS; i++) {
      load.send();
    }
    return load;
  }

  /**
   * Concurrent request loops against one ingest node, each posting a new record whenever the last was acknowledged
   * and retrying after 200 ms otherwise; bounded by {@link #MAX_ATTEMPTS} and 4 deadlines in all.
   */
  private final class Load {
    private final Node node;
    private final long started = System.currentTimeMillis();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();

    Load(Node node) {
      this.node = node;
    }

    int acknowledged() {
      return acknowledged.size();
    }

    /** How many answers were 503 so far. */
    int unavailable() {
      return unavailable.get();
    }

    void awaitAcknowledged(int count, String what) throws InterruptedException {
      waitUntil(() -> acknowledged.size() >= count, what);
    }

    /** Stops the loops, waits for the requests in flight, then checks every acknowledged record is in storage. */
    void stopAndAssertNoneLost(Node storage) throws Exception {
      stopped.set(true);
      waitUntil(() -> inFlight.get() == 0, "the load generator stopped");
      assertTrue(attempts.get() <= MAX_ATTEMPTS, "the load was bounded");
      Set<String> stored = storedIds(storage);
      for (String id : acknowledged) {
        assertTrue(stored.contains(id), "acknowledged record " + id + " was lost");
      }
    }

    private void send() {
      if (stopped.get() || System.currentTimeMillis() - started > 4 * DEADLINE_MS
          || attempts.incrementAndGet() > MAX_ATTEMPTS) {
        return;
      }
      String id = UUID.randomUUID().toString();
      Buffer body = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", id).toBuffer();
      inFlight.incrementAndGet();
      node.ingest().post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
          .putHeader("Content-Type", "application/json").timeout(30_000).sendBuffer(body)
          .onComplete(result -> {
            inFlight.decrementAndGet();
            int status = result.succeeded() ? result.result().statusCode() : -1;
            if (status == 200) {
              acknowledged.add(id);
              send();
            } else {
              if (status == 503) {
                unavailable.incrementAndGet();
              }
              vertx.setTimer(200, t -> send());
            }
          });
    }
  }

  // ---- requests

  private HttpResponse<Buffer> post(Node node, String correlationId) throws Exception {
    Buffer body = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", correlationId).toBuffer();
    return Await.result(node.ingest().post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(body));
  }

  /** Posts one new record, retrying the same one on 503 (the ingest node is waiting for storage). */
  private String postUntilAcknowledged(Node node) throws Exception {
    String id = UUID.randomUUID().toString();
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    while (true) {
      HttpResponse<Buffer> response = post(node, id);
      if (response.statusCode() == 200) {
        return id;
      }
      assertEquals(503, response.statusCode(), response.bodyAsString());
      assertTrue(System.currentTimeMillis() < deadline, "ingest did not recover: " + response.bodyAsString());
      Thread.sleep(500);
    }
  }

  private ApiSessionForCluster uiSession(Node node) throws Exception {
    HttpResponse<Buffer> login = Await.result(node.ui().post("/api/login").putHeader("X-Bitville-Request", "1")
        .sendJsonObject(new JsonObject().put("user", TestListener.ADMIN_USER).put("password",
            TestListener.USER_PASSWORD)));
    assertEquals(200, login.statusCode(), login.bodyAsString());
    String cookie = login.headers().getAll("Set-Cookie").stream().filter(c -> c.startsWith("bitville_session="))
        .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();
    return new ApiSessionForCluster(node.ui(), cookie);
  }

  private record ApiSessionForCluster(WebClient client, String cookie) {
    JsonObject json(String uri) throws Exception {
      HttpResponse<Buffer> response = Await.result(client.get(uri).putHeader("Cookie", cookie).send());
      assertEquals(200, response.statusCode(), uri + " -> " + response.bodyAsString());
      return response.bodyAsJsonObject();
    }
  }

  private String metrics(Node node) throws Exception {
    HttpResponse<Buffer> response = Await.result(node.management().get("/metrics").send());
    assertEquals(200, response.statusCode());
    return response.bodyAsString();
  }

  private String metricsQuietly(Node node) {
    try {
      return metrics(node);
    } catch (Exception e) {
      return "";
    }
  }

  /** The value of the first sample whose line starts with {@code prefix} (name and labels), -1 when absent. */
  private static double gauge(String metrics, String prefix) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(prefix) && (line.charAt(prefix.length()) == ' ' || line.charAt(prefix.length()) == ','
          || line.charAt(prefix.length()) == '}' || line.charAt(prefix.length()) == '{')) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }

  private static JsonObject check(JsonObject ready, String id) {
    for (Object check : ready.getJsonArray("checks")) {
      if (id.equals(((JsonObject) check).getString("id"))) {
        return (JsonObject) check;
      }
    }
    throw new AssertionError("no check " + id + " in " + ready.encode());
  }

  private static int countStored(Node node, Set<String> ids) throws Exception {
    int count = 0;
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + node.dataDir.resolve("bitville.db"));
        ResultSet rows = connection.createStatement().executeQuery("SELECT correlation_id FROM records")) {
      while (rows.next()) {
        if (ids.contains(rows.getString(1))) {
          count++;
        }
      }
    }
    return count;
  }

  private static Set<String> storedIds(Node node) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + node.dataDir.resolve("bitville.db"));
        ResultSet rows = connection.createStatement().executeQuery("SELECT correlation_id FROM records")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }

  private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, "timed out waiting: " + what);
      Thread.sleep(100);
    }
  }
}
