package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, validated reads of one configuration section. Values may arrive as strings (environment variables)
 * and are coerced; anything that does not fit stops start-up with the full key in the message.
 *
 * <p>Defaults live in one place, {@code listener-defaults.json}: a key missing from the configuration takes the
 * value of the same key there. The reads with a {@code defaultValue} are only for keys that file cannot hold
 * (entries of operator-named sections such as {@code projects.<name>}, and defaults computed from other
 * settings); giving one for a key the file has is a programming error.
 */
public final class ConfigReader {

  private static final JsonObject DEFAULTS = ConfigLoader.defaults();

  private final JsonObject section;
  private final JsonObject defaults;
  private final String prefix;

  public ConfigReader(JsonObject root, String sectionName) {
    Object value = root.getValue(sectionName);
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException(sectionName + " must be an object");
    }
    this.section = value == null ? new JsonObject() : (JsonObject) value;
    this.defaults = DEFAULTS.getValue(sectionName) instanceof JsonObject d ? d : new JsonObject();
    this.prefix = sectionName + ".";
  }

  private ConfigReader(JsonObject section, JsonObject defaults, String prefix) {
    this.section = section;
    this.defaults = defaults;
    this.prefix = prefix;
  }

  public ConfigReader child(String key) {
    Object value = section.getValue(key);
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException(prefix + key + " must be an object");
    }
    return new ConfigReader(value == null ? new JsonObject() : (JsonObject) value,
        defaults.getValue(key) instanceof JsonObject d ? d : new JsonObject(), prefix + key + ".");
  }

  public JsonObject raw() {
    return section;
  }

  /** The section as configured over its defaults (a copy): for readers outside this package. */
  public JsonObject withDefaults() {
    return defaults.copy().mergeIn(section, true);
  }

  /** True when {@code listener-defaults.json} has a default for the key. */
  public boolean hasDefault(String key) {
    return defaults.getValue(key) != null;
  }

  // ---- reads whose default is in listener-defaults.json ----

  public int integer(String key, int min, int max) {
    return (int) longValue(key, min, max);
  }

  public long longValue(String key, long min, long max) {
    return toLong(key, configuredOrDefault(key), min, max);
  }

  public double decimal(String key, double min, double max) {
    return toDouble(key, configuredOrDefault(key), min, max);
  }

  public boolean bool(String key) {
    return toBool(key, configuredOrDefault(key));
  }

  public String string(String key) {
    return toText(key, configuredOrDefault(key));
  }

  public String oneOf(String key, List<String> allowed) {
    return toOneOf(key, string(key), allowed);
  }

  private Object configuredOrDefault(String key) {
    Object value = section.getValue(key);
    if (value != null) {
      return value;
    }
    Object fallback = defaults.getValue(key);
    if (fallback == null) {
      throw new IllegalStateException(ConfigLoader.DEFAULTS_RESOURCE + " has no default for " + prefix + key);
    }
    return fallback;
  }

  /** For the reads below: a key the defaults file holds must not get a second default in code. */
  private Object configuredOr(String key, Object defaultValue) {
    if (defaults.getValue(key) != null) {
      throw new IllegalStateException(prefix + key + " has its default in " + ConfigLoader.DEFAULTS_RESOURCE
          + "; read it without one in code");
    }
    Object value = section.getValue(key);
    return value == null ? defaultValue : value;
  }

  // ---- reads with a default in code: only for keys listener-defaults.json cannot hold ----

  public String key(String name) {
    return prefix + name;
  }

  public int integer(String key, int defaultValue, int min, int max) {
    return (int) longValue(key, defaultValue, min, max);
  }

  public long longValue(String key, long defaultValue, long min, long max) {
    return toLong(key, configuredOr(key, defaultValue), min, max);
  }

  public double decimal(String key, double defaultValue, double min, double max) {
    return toDouble(key, configuredOr(key, defaultValue), min, max);
  }

  public boolean bool(String key, boolean defaultValue) {
    return toBool(key, configuredOr(key, defaultValue));
  }

  public String string(String key, String defaultValue) {
    Object value = configuredOr(key, defaultValue);
    return value == null ? null : toText(key, value);
  }

  // ---- conversions ----

  private long toLong(String key, Object value, long min, long max) {
    long result;
    if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
      result = number.longValue();
    } else if (value instanceof String text && text.trim().matches("-?\\d+")) {
      result = Long.parseLong(text.trim());
    } else {
      throw new ConfigException(prefix + key + " must be a whole number, got '" + value + "'");
    }
    if (result < min || result > max) {
      throw new ConfigException(prefix + key + " must be between " + min + " and " + max + ", got " + result);
    }
    return result;
  }

  private double toDouble(String key, Object value, double min, double max) {
    double result;
    if (value instanceof Number number) {
      result = number.doubleValue();
    } else if (value instanceof String text) {
      try {
        result = Double.parseDouble(text.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(prefix + key + " must be a number, got '" + value + "'");
      }
    } else {
      throw new ConfigException(prefix + key + " must be a number, got '" + value + "'");
    }
    if (!(result >= min && result <= max)) {
      throw new ConfigException(prefix + key + " must be between " + min + " and " + max + ", got " + result);
    }
    return result;
  }

  private boolean toBool(String key, Object value) {
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String text) {
      switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true", "1", "yes", "on" -> {
          return true;
        }
        case "false", "0", "no", "off" -> {
          return false;
        }
        default -> {
          // falls through to the error below
        }
      }
    }
    throw new ConfigException(prefix + key + " must be true or false, got '" + value + "'");
  }

  private String toText(String key, Object value) {
    if (value instanceof String text) {
      return text;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    throw new ConfigException(prefix + key + " must be a string");
  }

  private String toOneOf(String key, String value, List<String> allowed) {
    String upper = value.toUpperCase(java.util.Locale.ROOT);
    for (String option : allowed) {
      if (option.equalsIgnoreCase(upper)) {
        return option;
      }
    }
    throw new ConfigException(prefix + key + " must be one of " + allowed + ", got '" + value + "'");
  }

  /** A list of strings (default: the file's, else none); a comma-separated string (from the environment) too. */
  public List<String> strings(String key) {
    Object value = section.getValue(key) != null ? section.getValue(key) : defaults.getValue(key);
    List<String> result = new ArrayList<>();
    if (value == null) {
      return result;
    }
    if (value instanceof String text) {
      for (String part : text.split(",")) {
        if (!part.isBlank()) {
          result.add(part.trim());
        }
      }
      return result;
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(prefix + key + " must be a list of strings");
    }
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String text)) {
        throw new ConfigException(prefix + key + "[" + i + "] must be a string");
      }
      result.add(text);
    }
    return result;
  }
}
