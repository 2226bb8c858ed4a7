package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Environment and system-property overrides. The earlier listener's variables keep working unchanged
 * ({@code BITVILLE_PORT}, {@code BITVILLE_API_KEY_<PROJECT>}, ...); any other key can be set generically with
 * {@code BITVILLE__SECTION__KEY=value} (double underscores separate levels, case-insensitive) or
 * {@code -Dbitville.section.key=value}.
 */
public final class EnvOverrides {

  private static final Map<String, String> LEGACY = Map.ofEntries(
      Map.entry("BITVILLE_PORT", "ingest.port"),
      Map.entry("BITVILLE_DB_PATH", "storage.dbPath"),
      Map.entry("BITVILLE_TLS_KEY_PATH", "tls.keyPath"),
      Map.entry("BITVILLE_TLS_CERT_PATH", "tls.certPath"),
      Map.entry("BITVILLE_RATE_LIMIT", "ingest.rateLimit.perKeyPerSecond"),
      Map.entry("BITVILLE_UDP_PORT", "udp.port"),
      Map.entry("BITVILLE_DATA_DIR", "node.dataDir"),
      Map.entry("BITVILLE_UI_PORT", "query.port"),
      Map.entry("BITVILLE_MANAGEMENT_PORT", "management.port"),
      Map.entry("GRAYLOG_ENABLED", "graylog.enabled"),
      Map.entry("GRAYLOG_HOST", "graylog.host"),
      Map.entry("GRAYLOG_PORT", "graylog.port"));
  private static final String API_KEY_PREFIX = "BITVILLE_API_KEY_";
  private static final String GENERIC_ENV_PREFIX = "BITVILLE__";
  private static final String GENERIC_PROPERTY_PREFIX = "bitville.";
  /** Sections whose keys are names the operator chooses (users, projects): lower-cased from the environment. */
  private static final Set<String> NAME_MAPS = Set.of("users", "projects", "retention.projects");
  /** Fields of entries in those sections, which the defaults cannot show (UserSettings, ProjectSettings, ...). */
  private static final List<String> ENTRY_FIELDS = List.of("passwordHash", "projects", "keys", "keyHashes",
      "allowedNetworks", "udpUnsigned", "days");

  private EnvOverrides() {
  }

  public static JsonObject apply(JsonObject config, Map<String, String> env, Properties properties) {
    JsonObject result = config.copy();
    env.forEach((name, value) -> applyEnv(result, name, value));
    for (String name : properties.stringPropertyNames()) {
      if (name.startsWith(GENERIC_PROPERTY_PREFIX)) {
        set(result, name.substring(GENERIC_PROPERTY_PREFIX.length()).split("\\."), properties.getProperty(name));
      }
    }
    return result;
  }

  private static void applyEnv(JsonObject config, String name, String value) {
    if (LEGACY.containsKey(name)) {
      set(config, LEGACY.get(name).split("\\."), value);
    } else if (name.startsWith(API_KEY_PREFIX) && name.length() > API_KEY_PREFIX.length()) {
      addApiKey(config, name.substring(API_KEY_PREFIX.length()).toLowerCase(Locale.ROOT), value);
    } else if (name.startsWith(GENERIC_ENV_PREFIX)) {
      set(config, name.substring(GENERIC_ENV_PREFIX.length()).split("__"), value);
    }
  }

  private static void addApiKey(JsonObject config, String project, String key) {
    JsonObject projects = childObject(config, "projects");
    JsonObject settings = childObject(projects, project);
    JsonArray keys = settings.getValue("keys") instanceof JsonArray existing ? existing : new JsonArray();
    settings.put("keys", keys.add(key));
  }

  /**
   * Sets a path (env names are upper case): a user or project name is lower-cased, every other segment is
   * matched case-insensitively to an existing key or to a field of a user or project entry.
   */
  private static void set(JsonObject config, String[] path, String value) {
    JsonObject node = config;
    String parentPath = "";
    for (int i = 0; i < path.length; i++) {
      String key = NAME_MAPS.contains(parentPath) ? path[i].toLowerCase(Locale.ROOT) : existingKey(node, path[i]);
      if (i == path.length - 1) {
        node.put(key, value);
      } else {
        node = childObject(node, key);
        parentPath = parentPath.isEmpty() ? key : parentPath + "." + key;
      }
    }
  }

  private static String existingKey(JsonObject node, String wanted) {
    for (String key : node.fieldNames()) {
      if (matches(key, wanted)) {
        return key;
      }
    }
    for (String field : ENTRY_FIELDS) {
      if (matches(field, wanted)) {
        return field;
      }
    }
    return wanted;
  }

  private static boolean matches(String key, String wanted) {
    return key.equalsIgnoreCase(wanted) || key.replace("-", "_").equalsIgnoreCase(wanted);
  }

  private static JsonObject childObject(JsonObject parent, String key) {
    if (parent.getValue(key) instanceof JsonObject child) {
      return child;
    }
    JsonObject child = new JsonObject();
    parent.put(key, child);
    return child;
  }
}
