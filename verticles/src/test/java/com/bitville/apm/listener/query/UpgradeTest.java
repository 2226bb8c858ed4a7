package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
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
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.zip.Deflater;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The upgrade path: the current listener, started by its real launcher as its own process, opens a database
 * written by the first released schema (raw-deflate payloads, child tables for functions and SQL) with the
 * previous release's conf/listener.json, migrates it, serves the old request with its functions and SQL, and
 * takes new data.
 */
class UpgradeTest {

  @Test
  @DisplayName("First released schema + previous release's config: migrated, old request served in full, ingest works")
  void upgradesFromFirstRelease() throws Exception {
    Path dataDir = Files.createTempDirectory("bitville-upgrade-");
    Vertx vertx = Vertx.vertx();
    try {
      String correlationId = Fixtures.SLOW_GET_CORRELATION;
      writeFirstReleaseDatabase(dataDir.resolve("bitville.db"), Fixtures.php("wire/slow_get.json").getBytes());
      JsonObject config = previousReleaseConfig(dataDir);
      try (ListenerProcess process = ListenerProcess.start(config, dataDir.resolve("listener.json"))) {
        long latest = ((Number) rows(dataDir, "SELECT max(version) AS v FROM schema_version")).longValue();
        assertTrue(latest > 1, "migrated past the first schema");
        WebClient query = client(vertx, dataDir, config.getJsonObject("query").getInteger("port"));
        JsonObject detail = ApiSession.of(query, TestListener.ADMIN_USER).json("/api/requests/1");
        assertTrue(detail.encode().contains(correlationId), detail.encode());
        assertTrue(detail.encode().contains("Kernel::handle"), "functions derived from the first release's payload");
        assertTrue(detail.encode().contains("SELECT"), "SQL derived from the payload");

        WebClient ingest = client(vertx, dataDir, config.getJsonObject("ingest").getInteger("port"));
        HttpResponse<Buffer> stored = Await.result(ingest.post("/ingest/php")
            .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).putHeader("Content-Type", "application/json")
            .sendBuffer(Fixtures.phpNewRequest("wire/slow_post.json")));
        assertEquals(200, stored.statusCode(), stored.bodyAsString() + "\n" + process.output());
        assertFalse(stored.bodyAsJsonObject().getJsonArray("ids").getLong(0) <= 1, "new ids continue after the old");
        HttpResponse<Buffer> again = Await.result(ingest.post("/ingest/php")
            .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).putHeader("Content-Type", "application/json")
            .sendBuffer(Fixtures.php("wire/slow_get.json")));
        assertEquals(1L, again.bodyAsJsonObject().getJsonArray("ids").getLong(0), "the old request is known: not doubled");
        assertEquals(0, process.terminate());
      }
    } finally {
      Await.result(vertx.close());
      TestListener.deleteRecursively(dataDir);
    }
  }

  /** The previous release's conf/listener.json, with this test's paths, free ports, a key and a UI user. */
  private static JsonObject previousReleaseConfig(Path dataDir) throws Exception {
    JsonObject previous = new JsonObject(Fixtures.read("upgrade/previous-release-listener.json"));
    JsonObject test = TestListener.baseConfig(dataDir);
    previous.put("node", test.getJsonObject("node"));
    for (String section : new String[] {"ingest", "udp"}) {
      previous.getJsonObject(section).mergeIn(test.getJsonObject(section));
    }
    previous.put("management", test.getJsonObject("management")).put("query", test.getJsonObject("query"))
        .put("projects", test.getJsonObject("projects")).put("users", test.getJsonObject("users"));
    return previous;
  }

  /** A database as the first release wrote it: its schema, one PHP request with child rows, raw deflate payload. */
  private static void writeFirstReleaseDatabase(Path file, byte[] payload) throws Exception {
    JsonObject json = new JsonObject(Buffer.buffer(payload));
    long eventTime = Math.round(json.getDouble("timestamp") * 1000);
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = connection.createStatement()) {
      String schema = Fixtures.read("upgrade/first-release-schema.sql").toString(StandardCharsets.UTF_8);
      for (String statement : schema.replaceAll("(?m)^--.*$", "").split(";\\s*\\n")) {
        if (!statement.isBlank()) {
          sql.execute(statement);
        }
      }
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO records (id, project, kind, source,"
          + " correlation_id, event_time_ms, received_at_ms, duration_ms, route, url, method, status, host, sql_count,"
          + " sql_time_ms, fatal, summary, node, payload) VALUES (1, 'shop', 'php', 'php', ?, ?, ?, ?, '/orders', ?,"
          + " 'GET', 200, 'vm', 47, 463.85, 0, 'GET /orders (php) [shop]', 'n1', ?)")) {
        insert.setString(1, json.getString("correlation_id"));
        insert.setLong(2, eventTime);
        insert.setLong(3, eventTime + 5);
        insert.setDouble(4, json.getDouble("elapsed_ms"));
        insert.setString(5, json.getJsonObject("request").getString("url"));
        insert.setBytes(6, deflate(payload));
        insert.executeUpdate();
      }
      sql.execute("INSERT INTO request_functions VALUES (1, 'main()', 1, 700000)");
      sql.execute("INSERT INTO sql_texts VALUES ('f1', 'SELECT ?')");
      sql.execute("INSERT INTO request_sql VALUES (1, 0, 'f1', 1.5)");
      sql.execute("UPDATE counters SET value = 2 WHERE name = 'next_record_id'");
    }
  }

  /** The first release's payload codec: raw deflate at the fastest level. */
  private static byte[] deflate(byte[] input) {
    Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    deflater.setInput(input);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    while (!deflater.finished()) {
      out.write(chunk, 0, deflater.deflate(chunk));
    }
    deflater.end();
    return out.toByteArray();
  }

  private static Object rows(Path dataDir, String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("bitville.db"));
        var result = connection.createStatement().executeQuery(sql)) {
      result.next();
      return result.getObject(1);
    }
  }

  private static WebClient client(Vertx vertx, Path dataDir, int port) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dataDir.resolve("tls/listener-cert.pem").toString()))
        .setDefaultHost("localhost").setDefaultPort(port));
  }
}
