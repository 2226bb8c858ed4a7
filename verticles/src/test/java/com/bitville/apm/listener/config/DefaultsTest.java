package com.bitville.apm.listener.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.analysis.SpikeSettings;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Defaults live in one place, {@code listener-defaults.json}: every settings record read from an empty
 * configuration equals the one read from that file, and the code cannot give a key of the file a second default.
 */
class DefaultsTest {

  /** Every settings reader of the listener, by section: a new one belongs here. */
  private static Map<String, Function<JsonObject, Object>> readers() {
    Map<String, Function<JsonObject, Object>> readers = new LinkedHashMap<>();
    readers.put("node", NodeSettings::from);
    readers.put("tls", TlsSettings::from);
    readers.put("ingest", IngestSettings::from);
    readers.put("ingest.redaction", RedactionSettings::from);
    readers.put("storage", config -> StorageSettings.from(config, NodeSettings.from(config)));
    readers.put("management", ManagementSettings::from);
    readers.put("udp", UdpSettings::from);
    readers.put("retention", RetentionSettings::from);
    readers.put("graylog", GraylogSettings::from);
    readers.put("query", QuerySettings::from);
    readers.put("rollup", RollupSettings::from);
    readers.put("analysis", config -> SpikeSettings.from(new ConfigReader(config, "analysis").withDefaults()));
    readers.put("verticles", DeploymentPlan::from);
    readers.put("cluster", ClusterSettings::from);
    readers.put("cluster.tls", ClusterTlsSettings::from);
    return readers;
  }

  @Test
  @DisplayName("Every settings default is the value in listener-defaults.json")
  void everySettingsDefaultIsTheFilesValue() {
    JsonObject file = ConfigLoader.defaults();
    for (Map.Entry<String, Function<JsonObject, Object>> reader : readers().entrySet()) {
      Object fromNothing = reader.getValue().apply(new JsonObject());
      Object fromFile = reader.getValue().apply(file);
      assertEquals(fromFile, fromNothing, reader.getKey() + ": a key left out takes the file's value");
    }
  }

  @Test
  @DisplayName("Every section of listener-defaults.json has a settings reader, every component default instances")
  void everySectionIsRead() {
    JsonObject file = ConfigLoader.defaults();
    for (String section : file.fieldNames()) {
      boolean operatorNamed = section.equals("projects") || section.equals("users");
      assertTrue(operatorNamed || readers().containsKey(section), section + " has no settings reader in this test");
    }
    for (Component component : Component.values()) {
      assertTrue(file.getJsonObject("verticles").containsKey(component.configName()),
          component.configName() + " has no default instances in listener-defaults.json");
    }
  }

  @Test
  @DisplayName("A default in code for a key the file has is refused, and so is a key with no default anywhere")
  void noSecondDefault() {
    ConfigReader storage = new ConfigReader(new JsonObject(), "storage");
    IllegalStateException twice = assertThrows(IllegalStateException.class,
        () -> storage.integer("maxBatchRecords", 500, 1, 100_000));
    assertTrue(twice.getMessage().contains("storage.maxBatchRecords has its default in listener-defaults.json"),
        twice.getMessage());
    assertThrows(IllegalStateException.class, () -> storage.bool("deduplicatePhp", true));
    IllegalStateException none = assertThrows(IllegalStateException.class, () -> storage.integer("noSuchKey", 0, 9));
    assertTrue(none.getMessage().contains("listener-defaults.json has no default for storage.noSuchKey"),
        none.getMessage());
    assertEquals(500, storage.integer("maxBatchRecords", 1, 100_000));
    assertEquals(3, new ConfigReader(new JsonObject().put("storage", new JsonObject().put("maxBatchRecords", "3")),
        "storage").integer("maxBatchRecords", 1, 100_000), "a configured value wins over the file");
    assertEquals(7.5, new ConfigReader(new JsonObject(), "projects").child("shop").decimal("days", 7.5, 0, 10),
        "keys of operator-named entries keep a default in code");
  }
}
