package com.bitville.apm.pgagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.launcher.FirstStart;
import com.bitville.apm.listener.launcher.ListenerNode;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * End to end: a real PostgreSQL, the agent as its own process, and the real listener (from the verticles
 * module) with its generated certificate trusted through a CA file. The PHP request and the database session
 * that carries its correlation id end up linked in the listener's SQLite file.
 */
class AgentToListenerTest {

  private static final String KEY = "e2e-key-for-project-shop-0001";

  @Test
  @DisplayName("The agent's session records show up in the listener, linked to the PHP request by correlation id")
  void recordsCorrelatedInTheListener() throws Exception {
    Path state = TempDirs.create("pgagent-e2e-");
    Vertx vertx = Vertx.vertx();
    try (PgServer pg = PgServer.start()) {
      ListenerNode listener = startListener(state.resolve("listener"));
      int ingestPort = listener.config().getJsonObject("ingest").getInteger("port");
      Path listenerCert = state.resolve("listener/tls/listener-cert.pem");
      String correlationId = UUID.randomUUID().toString();
      PgConnection php = Sql.connect(vertx, pg.port(), "postgres", "bitville-" + correlationId);
      Sql.run(php, "BEGIN");
      Sql.run(php, "SELECT 1 /* correlation:" + correlationId + " */");
      postPhpRequest(ingestPort, listenerCert, correlationId);

      JsonObject config = TestConfigs.base(pg.port(), "postgres",
          "https://localhost:" + ingestPort + "/ingest/postgres", state);
      config.getJsonObject("delivery").put("api_key", KEY)
          .put("ca_file", listenerCert.toString()).remove("pin_sha256");
      Path configFile = state.resolve("pg-agent.json");
      Files.writeString(configFile, config.encodePrettily());
      Process agent = launch(configFile, state.resolve("agent.log"));
      try {
        try {
          Sql.eventually(30_000, "a pg_stat_activity record linked to the PHP request",
              () -> linkedSources(state.resolve("listener/bitville.db"), correlationId).contains("pg_stat_activity"));
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; agent log:\n" + Files.readString(state.resolve("agent.log")), e);
        }
        List<String> sources = linkedSources(state.resolve("listener/bitville.db"), correlationId);
        assertTrue(sources.contains("php"), "the PHP request itself: " + sources);
        assertTrue(storedProjects(state.resolve("listener/bitville.db")).equals(List.of("shop")),
            "the project comes from the agent's key");
      } finally {
        agent.destroy();
        assertTrue(agent.waitFor(20, TimeUnit.SECONDS));
        Sql.await(php.close());
        listener.shutdown().toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
      }
      assertEquals(0, agent.exitValue(), Files.readString(state.resolve("agent.log")));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  private static ListenerNode startListener(Path dataDir) throws Exception {
    JsonObject config = ConfigLoader.defaults();
    config.put("node", new JsonObject().put("dataDir", dataDir.toString()).put("name", "e2e"));
    config.getJsonObject("ingest").put("host", "127.0.0.1").put("port", PgServer.freePort());
    config.getJsonObject("management").put("port", PgServer.freePort());
    config.put("projects", new JsonObject().put("shop", new JsonObject().put("keys", new JsonArray().add(KEY))));
    for (String optional : List.of("udp-ingest", "query-server", "retention", "gelf-forwarder")) {
      if (config.getJsonObject("verticles").containsKey(optional)) {
        config.getJsonObject("verticles").put(optional, 0);
      }
    }
    FirstStart.Outcome prepared = FirstStart.prepare(config);
    return ListenerNode.start(prepared.config(), false).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  private static void postPhpRequest(int port, Path certificate, String correlationId) throws Exception {
    JsonObject payload = new JsonObject().put("correlation_id", correlationId)
        .put("timestamp", System.currentTimeMillis() / 1000.0).put("elapsed_ms", 812.5)
        .put("request", new JsonObject().put("url", "https://shop.example.com/orders/17").put("method", "GET"))
        .put("server", new JsonObject().put("hostname", "web01"));
    HttpResponse<String> response = client(certificate).send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + port + "/ingest/php"))
        .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(payload.encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
  }

  private static HttpClient client(Path certificate) throws Exception {
    var keyStore = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    keyStore.load(null, null);
    try (var in = Files.newInputStream(certificate)) {
      keyStore.setCertificateEntry("listener", java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keyStore);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).build();
  }

  private static List<String> linkedSources(Path database, String correlationId) {
    try (var connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        var statement = connection.prepareStatement("SELECT DISTINCT source FROM records WHERE correlation_id = ? "
            + "OR id IN (SELECT record_id FROM record_links WHERE correlation_id = ?) ORDER BY 1")) {
      statement.setString(1, correlationId);
      statement.setString(2, correlationId);
      var rows = statement.executeQuery();
      List<String> sources = new java.util.ArrayList<>();
      while (rows.next()) {
        sources.add(rows.getString(1));
      }
      return sources;
    } catch (Exception e) {
      return List.of();
    }
  }

  private static List<String> storedProjects(Path database) throws Exception {
    try (var connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        var rows = connection.createStatement().executeQuery("SELECT DISTINCT project FROM records")) {
      List<String> projects = new java.util.ArrayList<>();
      while (rows.next()) {
        projects.add(rows.getString(1));
      }
      return projects;
    }
  }

  private static Process launch(Path configFile, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return new ProcessBuilder(List.of(java, "-Xmx128m", "-cp", classpath, PgAgentMain.class.getName(),
        "--config", configFile.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
