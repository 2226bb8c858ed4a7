package com.bitville.apm.listener.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Configuration: layers override in order, bad values stop start-up naming the key")
class ConfigurationTest {

  private static JsonObject defaults() {
    return ConfigLoader.defaults();
  }

  @Test
  @DisplayName("The earlier listener's environment variables keep working")
  void legacyEnvironment() {
    JsonObject config = EnvOverrides.apply(defaults(), Map.of(
        "BITVILLE_PORT", "9443",
        "BITVILLE_DB_PATH", "/tmp/x.db",
        "BITVILLE_API_KEY_SHOP", "key-for-shop-0123456789",
        "BITVILLE_API_KEY_BILLING", "key-for-billing-0123456789",
        "BITVILLE_RATE_LIMIT", "50",
        "GRAYLOG_HOST", "graylog.internal"), new Properties());
    assertEquals(9443, IngestSettings.from(config).port());
    assertEquals(50.0, IngestSettings.from(config).perKeyRate());
    assertEquals(Path.of("/tmp/x.db"), StorageSettings.from(config, NodeSettings.from(config)).dbPath());
    Map<String, ProjectSettings> projects = ProjectSettings.from(config);
    assertEquals(1, projects.get("shop").keyHashes().size());
    assertEquals(1, projects.get("billing").keyHashes().size());
    assertEquals("graylog.internal", config.getJsonObject("graylog").getString("host"));
  }

  @Test
  @DisplayName("Generic overrides: BITVILLE__SECTION__KEY and -Dbitville.section.key, properties last")
  void genericOverrides() {
    Properties properties = new Properties();
    properties.setProperty("bitville.storage.synchronous", "NORMAL");
    JsonObject config = EnvOverrides.apply(defaults(), Map.of("BITVILLE__STORAGE__MAXBATCHRECORDS", "64",
        "BITVILLE__STORAGE__SYNCHRONOUS", "EXTRA"), properties);
    StorageSettings storage = StorageSettings.from(config, NodeSettings.from(config));
    assertEquals(64, storage.maxBatchRecords());
    assertEquals("NORMAL", storage.synchronous());
  }

  @Test
  @DisplayName("The environment can add a user and a project: names lower-cased, keys matched case-insensitively")
  void environmentAddsUserAndProject() {
    String hash = com.bitville.apm.listener.query.Passwords.hash("a password for alice".toCharArray(), 4);
    JsonObject config = EnvOverrides.apply(defaults(), Map.of(
        "BITVILLE__USERS__ALICE__PASSWORDHASH", hash,
        "BITVILLE__USERS__ALICE__PROJECTS", "shop,billing",
        "BITVILLE__PROJECTS__SHOP__KEYS", "a-long-random-key-for-shop",
        "BITVILLE__PROJECTS__SHOP__UDPUNSIGNED", "true",
        "BITVILLE__RETENTION__PROJECTS__SHOP__DAYS", "30"), new Properties());
    var users = UserSettings.from(config);
    assertEquals(hash, config.getJsonObject("users").getJsonObject("alice").getString("passwordHash"));
    assertEquals(1, users.size(), users.toString());
    var projects = ProjectSettings.from(config);
    assertEquals(1, projects.get("shop").keyHashes().size());
    assertEquals(true, projects.get("shop").udpUnsigned());
    assertEquals(30 * 86_400_000L, RetentionSettings.from(config).maxAgeMs("shop"));
  }

  @Test
  @DisplayName("File overrides the built-in defaults, environment overrides the file")
  void layers() throws Exception {
    Path file = Files.createTempFile("listener", ".json");
    Files.writeString(file, "{\"ingest\": {\"port\": 7000, \"maxItems\": 10}}");
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject config = ConfigLoader.load(vertx, file, Map.of("BITVILLE_PORT", "7001"))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(7001, IngestSettings.from(config).port());
      assertEquals(10, IngestSettings.from(config).maxItems());
      assertEquals(2 * 1024 * 1024, IngestSettings.from(config).maxBodyBytes());
    } finally {
      vertx.close();
      Files.delete(file);
    }
  }

  @Test
  @DisplayName("Every bad value names its key")
  void badValues() {
    assertMessage(Map.of("BITVILLE_PORT", "eighty"), "ingest.port must be a whole number");
    assertMessage(Map.of("BITVILLE_PORT", "70000"), "ingest.port must be between 0 and 65535");
    assertMessage(Map.of("BITVILLE__STORAGE__SYNCHRONOUS", "SOMETIMES"), "storage.synchronous must be one of");
    assertMessage(Map.of("BITVILLE_API_KEY_SHOP", "short"), "projects.shop.keys: API keys must be at least 16");
    assertMessage(Map.of("BITVILLE__INGEST__TRUSTEDPROXIES", "10.0.0.0/99"), "ingest.trustedProxies");
    assertMessage(Map.of("BITVILLE_TLS_CERT_PATH", "/etc/cert.pem"), "tls.certPath and tls.keyPath");
    JsonObject unknownVerticle = defaults();
    unknownVerticle.getJsonObject("verticles").put("teleporter", 1);
    ConfigException error = assertThrows(ConfigException.class,
        () -> DeploymentPlan.from(unknownVerticle, knownVerticles()));
    assertTrue(error.getMessage().contains("verticles.teleporter"));
    JsonObject twoStorages = defaults();
    twoStorages.getJsonObject("verticles").put("storage", 2);
    error = assertThrows(ConfigException.class,
        () -> DeploymentPlan.from(twoStorages, knownVerticles()));
    assertTrue(error.getMessage().contains("verticles.storage must be between 0 and 1"), error.getMessage());
    JsonObject badHash = defaults().put("projects", new JsonObject().put("shop", new JsonObject()
        .put("keyHashes", new JsonArray().add("abc"))));
    error = assertThrows(ConfigException.class, () -> ProjectSettings.from(badHash));
    assertTrue(error.getMessage().contains("projects.shop.keyHashes"));
  }

  /** Every verticle the defaults deploy (grows as components are added). */
  private static java.util.Set<String> knownVerticles() {
    return new java.util.HashSet<>(defaults().getJsonObject("verticles").fieldNames());
  }

  private static void assertMessage(Map<String, String> env, String expected) {
    JsonObject config = EnvOverrides.apply(defaults(), env, new Properties());
    ConfigException error = assertThrows(ConfigException.class, () -> {
      IngestSettings.from(config);
      StorageSettings.from(config, NodeSettings.from(config));
      ProjectSettings.from(config);
      TlsSettings.from(config);
    });
    assertTrue(error.getMessage().contains(expected), error.getMessage() + " should contain " + expected);
  }
}
