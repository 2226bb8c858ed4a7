package com.bitville.apm.listener.testsupport;

import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.launcher.FirstStart;
import com.bitville.apm.listener.launcher.ListenerNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real listener node for tests: its own temporary data directory, free loopback ports, a generated
 * self-signed certificate, and two projects with known keys. Clients trust exactly that certificate.
 */
public final class TestListener implements AutoCloseable {

  public static final String SHOP_KEY = "test-key-shop-0123456789";
  public static final String OTHER_KEY = "test-key-other-0123456789";
  /** UI users: an administrator (all projects), one user per project; all share {@link #USER_PASSWORD}. */
  public static final String ADMIN_USER = "admin-user";
  public static final String SHOP_USER = "shop-user";
  public static final String OTHER_USER = "other-user";
  public static final String USER_PASSWORD = "correct horse battery staple";
  private static String passwordHash;

  private final ListenerNode node;
  private final JsonObject config;
  private final Path dataDir;
  private final Path certificate;

  private TestListener(ListenerNode node, JsonObject config, Path dataDir, Path certificate) {
    this.node = node;
    this.config = config;
    this.dataDir = dataDir;
    this.certificate = certificate;
  }

  public static TestListener start() throws Exception {
    return start(new JsonObject());
  }

  /** @param overrides merged (deeply) over the test defaults, e.g. {"ingest": {"maxBodyBytes": 4096}} */
  public static TestListener start(JsonObject overrides) throws Exception {
    return start(Files.createTempDirectory("bitville-test-"), overrides);
  }

  /** A node on an existing data directory, e.g. a restart after {@link #stop()} of an earlier node. */
  public static TestListener start(Path dataDir, JsonObject overrides) throws Exception {
    JsonObject config = ConfigLoader.defaults().mergeIn(baseConfig(dataDir), true).mergeIn(overrides, true);
    FirstStart.Outcome prepared = FirstStart.prepare(config);
    ListenerNode node = ListenerNode.start(prepared.config(), false).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    return new TestListener(node, prepared.config(), dataDir, prepared.certificatePem());
  }

  /** The configuration the test listener uses, for tests that start a second node on the same data. */
  public static JsonObject baseConfig(Path dataDir) throws IOException {
    return new JsonObject()
        .put("node", new JsonObject().put("dataDir", dataDir.toString()).put("name", "test-node"))
        .put("ingest", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
        .put("management", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
        .put("query", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
        .put("users", new JsonObject()
            .put(ADMIN_USER, new JsonObject().put("passwordHash", passwordHash()).put("projects", "*"))
            .put(SHOP_USER, new JsonObject().put("passwordHash", passwordHash()).put("projects", new JsonArray()
                .add("shop")))
            .put(OTHER_USER, new JsonObject().put("passwordHash", passwordHash()).put("projects", new JsonArray()
                .add("other"))))
        .put("udp", new JsonObject().put("host", "127.0.0.1").put("port", freeUdpPort()))
        // The pg-agent captures keep their own (2025) timestamps, older than any retention period: the first
        // retention run would delete them one minute after start. Tests of retention set their own delay.
        .put("retention", new JsonObject().put("initialDelayMs", 24L * 3_600_000))
        .put("projects", new JsonObject()
            .put("shop", new JsonObject().put("keys", new JsonArray().add(SHOP_KEY)))
            .put("other", new JsonObject().put("keys", new JsonArray().add(OTHER_KEY))));
  }

  /** bcrypt at the lowest cost: tests log in often and test hashing speed is not what they are about. */
  private static synchronized String passwordHash() {
    if (passwordHash == null) {
      passwordHash = com.bitville.apm.listener.query.Passwords.hash(USER_PASSWORD.toCharArray(), 4);
    }
    return passwordHash;
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public static int freeUdpPort() throws IOException {
    try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public int udpPort() {
    return config.getJsonObject("udp").getInteger("port");
  }

  /** The Prometheus text of this node's /metrics. */
  public String metrics() throws Exception {
    var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
        .connectTimeout(java.time.Duration.ofSeconds(5)).build();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + managementPort()
        + "/metrics")).timeout(java.time.Duration.ofSeconds(10)).build();
    return client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  /** One sample of /metrics, e.g. {@code metric("bitville_udp_dropped_total", "reason=\"stale\"")}; 0 if absent. */
  public double metric(String name, String labelFragment) throws Exception {
    for (String line : metrics().split("\n")) {
      if (line.startsWith(name) && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ')
          && (labelFragment == null || line.contains(labelFragment))) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  public Vertx vertx() {
    return node.vertx();
  }

  public JsonObject config() {
    return config;
  }

  public int ingestPort() {
    return config.getJsonObject("ingest").getInteger("port");
  }

  public int managementPort() {
    return config.getJsonObject("management").getInteger("port");
  }

  public int queryPort() {
    return config.getJsonObject("query").getInteger("port");
  }

  /** An HTTPS client for the UI/API port, trusting only this listener's certificate. */
  public WebClient queryClient(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certificate.toString()))
        .setDefaultHost("localhost").setDefaultPort(queryPort()));
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path certificate() {
    return certificate;
  }

  public Path databaseFile() {
    return dataDir.resolve("bitville.db");
  }

  /** An HTTPS client that trusts only this listener's certificate and checks the host name. */
  public WebClient httpsClient(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certificate.toString()))
        .setDefaultHost("localhost").setDefaultPort(ingestPort()));
  }

  /** Rows of a query against the real SQLite file, read with plain JDBC. */
  public List<Map<String, Object>> rows(String sql, Object... params) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + databaseFile());
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet result = statement.executeQuery()) {
        int columns = result.getMetaData().getColumnCount();
        while (result.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int c = 1; c <= columns; c++) {
            row.put(result.getMetaData().getColumnLabel(c), result.getObject(c));
          }
          rows.add(row);
        }
      }
      return rows;
    }
  }

  public long count(String sql, Object... params) throws SQLException {
    return ((Number) rows(sql, params).get(0).values().iterator().next()).longValue();
  }

  /** Stops the node; keeps the data directory when {@code keepData} (for restart tests). */
  public void stop() throws Exception {
    node.shutdown().toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      stop();
    } finally {
      deleteRecursively(dataDir);
    }
  }

  public static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }
}
