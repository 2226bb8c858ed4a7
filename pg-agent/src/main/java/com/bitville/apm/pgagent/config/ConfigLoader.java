package com.bitville.apm.pgagent.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the effective configuration: built-in defaults, then the JSON file, then {@code BITVILLE_PG_*}
 * environment variables (later wins). Every key must exist in the defaults, so a typo is an error instead of a
 * silently ignored setting. Synchronous on purpose: it runs at start-up and from the SIGHUP thread, never on an
 * event loop.
 */
public final class ConfigLoader {

  public static final String ENV_PREFIX = "BITVILLE_PG_";
  /** Names the config file; not a configuration key itself. */
  public static final String ENV_CONFIG_FILE = "BITVILLE_PG_CONFIG";
  private static final String DEFAULTS_RESOURCE = "/pg-agent-defaults.json";

  private ConfigLoader() {
  }

  public static AgentConfig load(Path file, Map<String, String> env) {
    JsonObject defaults = defaults();
    List<String> problems = new ArrayList<>();
    JsonObject merged = defaults.copy();
    if (file != null) {
      mergeChecked(merged, readFile(file, problems), "", problems);
    }
    applyEnv(merged, env, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return AgentConfig.from(merged);
  }

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("built-in defaults " + DEFAULTS_RESOURCE + " missing from the jar", e);
    }
  }

  private static JsonObject readFile(Path file, List<String> problems) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException e) {
      problems.add("config file " + file + " cannot be read: " + e.getMessage());
    } catch (DecodeException e) {
      problems.add("config file " + file + " is not a JSON object: " + e.getMessage());
    }
    return new JsonObject();
  }

  /** Copies {@code source} into {@code target}, refusing keys the defaults do not know and values of another type. */
  private static void mergeChecked(JsonObject target, JsonObject source, String path, List<String> problems) {
    for (String key : source.fieldNames()) {
      String name = path.isEmpty() ? key : path + "." + key;
      if (!target.containsKey(key)) {
        problems.add(name + " is not a known configuration key");
        continue;
      }
      Object current = target.getValue(key);
      Object value = source.getValue(key);
      if (current instanceof JsonObject section) {
        if (value instanceof JsonObject nested) {
          mergeChecked(section, nested, name, problems);
        } else {
          problems.add(name + " must be an object");
        }
      } else if (sameType(current, value)) {
        target.put(key, value);
      } else {
        problems.add(name + " must be " + typeName(current) + " but is " + value);
      }
    }
  }

  private static void applyEnv(JsonObject merged, Map<String, String> env, List<String> problems) {
    for (Map.Entry<String, String> entry : new TreeMap<>(env).entrySet()) {
      String name = entry.getKey();
      if (!name.startsWith(ENV_PREFIX) || name.equals(ENV_CONFIG_FILE)) {
        continue;
      }
      String[] target = envTarget(merged, name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT));
      if (target == null) {
        problems.add(name + " does not name a configuration key");
        continue;
      }
      JsonObject holder = target[0].isEmpty() ? merged : merged.getJsonObject(target[0]);
      String key = target[1];
      String label = (target[0].isEmpty() ? "" : target[0] + ".") + key + " (from " + name + ")";
      Object converted = convert(holder.getValue(key), entry.getValue(), label, problems);
      if (converted != null) {
        holder.put(key, converted);
      }
    }
  }

  /** {@code [section, key]} for an env suffix like {@code database_password}; section is empty for top-level keys. */
  private static String[] envTarget(JsonObject merged, String suffix) {
    if (merged.containsKey(suffix) && !(merged.getValue(suffix) instanceof JsonObject)) {
      return new String[] {"", suffix};
    }
    for (String section : merged.fieldNames()) {
      if (merged.getValue(section) instanceof JsonObject nested && suffix.startsWith(section + "_")) {
        String key = suffix.substring(section.length() + 1);
        if (nested.containsKey(key)) {
          return new String[] {section, key};
        }
      }
    }
    return null;
  }

  private static Object convert(Object current, String text, String label, List<String> problems) {
    String trimmed = text.trim();
    try {
      if (current instanceof Boolean) {
        if (!trimmed.equalsIgnoreCase("true") && !trimmed.equalsIgnoreCase("false")) {
          throw new NumberFormatException();
        }
        return Boolean.parseBoolean(trimmed);
      }
      if (current instanceof Number) {
        return Long.parseLong(trimmed);
      }
      if (current instanceof JsonArray) {
        JsonArray list = new JsonArray();
        for (String part : trimmed.split(",")) {
          if (!part.isBlank()) {
            list.add(part.trim());
          }
        }
        return list;
      }
      return text;
    } catch (NumberFormatException e) {
      problems.add(label + " must be " + typeName(current) + " but is '" + text + "'");
      return null;
    }
  }

  private static boolean sameType(Object current, Object value) {
    if (current instanceof Number) {
      return value instanceof Integer || value instanceof Long;
    }
    return current != null && value != null && current.getClass() == value.getClass();
  }

  private static String typeName(Object value) {
    if (value instanceof Number) {
      return "an integer";
    }
    if (value instanceof Boolean) {
      return "true or false";
    }
    if (value instanceof JsonArray) {
      return "a list of strings";
    }
    return "a string";
  }
}
