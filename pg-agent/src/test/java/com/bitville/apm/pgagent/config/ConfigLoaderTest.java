package com.bitville.apm.pgagent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  private static final Map<String, String> KEY = Map.of("BITVILLE_PG_DELIVERY_API_KEY", "k");

  @TempDir
  Path dir;

  @Test
  @DisplayName("The shipped example config is valid")
  void exampleIsValid() {
    AgentConfig config = ConfigLoader.load(Path.of("conf/pg-agent.json"), KEY);
    assertEquals("bitville_monitor", config.database().user());
  }

  @Test
  @DisplayName("File values override defaults and environment variables override the file")
  void layering() throws Exception {
    Path file = write("{\"project\":\"shop\",\"database\":{\"port\":6543,\"name\":\"shopdb\"},"
        + "\"logs\":{\"formats\":[\"csvlog\"]}}");
    AgentConfig config = ConfigLoader.load(file, Map.of("BITVILLE_PG_DATABASE_PORT", "7000",
        "BITVILLE_PG_DELIVERY_API_KEY", "secret", "BITVILLE_PG_PROJECT", "other",
        "BITVILLE_PG_LOGS_FORMATS", "stderr,jsonlog", "BITVILLE_PG_SESSIONS_ENABLED", "false", "PATH", "/bin"));
    assertEquals(7000, config.database().port());
    assertEquals("shopdb", config.database().name());
    assertEquals("secret", config.delivery().apiKey());
    assertEquals("other", config.project());
    assertEquals(List.of("stderr", "jsonlog"), config.logs().formats());
    assertEquals(false, config.sessions().enabled());
    assertEquals(10_000, config.sessions().intervalMs(), "untouched default");
  }

  @Test
  @DisplayName("Every bad value is reported at once, each message naming its key")
  void validation() throws Exception {
    Path file = write("{\"databse\":{},\"database\":{\"port\":70000,\"statement_timeout_ms\":\"2s\"},"
        + "\"sessions\":{\"interval_ms\":0},\"delivery\":{\"url\":\"http://x/ingest\",\"pin_sha256\":\"abc\"},"
        + "\"logs\":{\"start_at\":\"middle\",\"formats\":[\"syslog\"]}}");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(file, Map.of("BITVILLE_PG_HEALTH_PORT", "abc", "BITVILLE_PG_NOPE", "1")));
    String all = String.join("\n", e.problems());
    for (String expected : List.of("databse is not a known configuration key", "database.statement_timeout_ms",
        "health.port (from BITVILLE_PG_HEALTH_PORT)", "BITVILLE_PG_NOPE does not name")) {
      assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
    }
    Path typesOk = write("{\"database\":{\"port\":70000},\"sessions\":{\"interval_ms\":0},"
        + "\"delivery\":{\"url\":\"http://x/ingest\",\"pin_sha256\":\"abc\"},"
        + "\"logs\":{\"start_at\":\"middle\",\"formats\":[\"syslog\"]}}");
    ConfigException values = assertThrows(ConfigException.class, () -> ConfigLoader.load(typesOk, KEY));
    String text = String.join("\n", values.problems());
    for (String expected : List.of("database.port must be a port", "sessions.interval_ms must be greater than 0",
        "delivery.url must be an https:// URL", "delivery.pin_sha256 must be 64 hex digits", "logs.start_at",
        "logs.formats may only contain")) {
      assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
    }
  }

  @Test
  @DisplayName("The API key is required")
  void apiKeyRequired() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of()));
    assertTrue(e.getMessage().contains("delivery.api_key must not be empty"), e.getMessage());
  }

  private Path write(String json) throws Exception {
    Path file = Files.createTempFile(dir, "cfg", ".json");
    Files.writeString(file, json);
    return file;
  }
}
