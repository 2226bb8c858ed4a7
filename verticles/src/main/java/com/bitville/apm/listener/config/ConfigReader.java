package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, validated reads of one configuration section. Values may arrive as strings (environment variables)
 * and are coerced; anything that does not fit stops start-up with the full key in the message.
 */
public final class ConfigReader {

  private final JsonObject section;
  private final String prefix;

  public ConfigReader(JsonObject root, String sectionName) {
    Object value = root.getValue(sectionName);
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException(sectionName + " must be an object");
    }
    this.section = value == null ? new JsonObject() : (JsonObject) value;
    this.prefix = sectionName + ".";
  }

  private ConfigReader(JsonObject section, String prefix, boolean unused) {
    this.section = section;
    this.prefix = prefix;
  }

  public ConfigReader child(String key) {
    Object value = section.getValue(key);
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException(prefix + key + " must be an object");
    }
    return new ConfigReader(value == null ? new JsonObject() : (JsonObject) value, prefix + key + ".", true);
  }

  public JsonObject raw() {
    return section;
  }

  public String key(String name) {
    return prefix + name;
  }

  public int integer(String key, int defaultValue, int min, int max) {
    long value = longValue(key, defaultValue, min, max);
    return (int) value;
  }

  public long longValue(String key, long defaultValue, long min, long max) {
    Object value = section.getValue(key);
    long result;
    if (value == null) {
      result = defaultValue;
    } else if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
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

  public double decimal(String key, double defaultValue, double min, double max) {
    Object value = section.getValue(key);
    double result;
    if (value == null) {
      result = defaultValue;
    } else if (value instanceof Number number) {
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

  public boolean bool(String key, boolean defaultValue) {
    Object value = section.getValue(key);
    if (value == null) {
      return defaultValue;
    }
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

  public String string(String key, String defaultValue) {
    Object value = section.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof String text) {
      return text;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    throw new ConfigException(prefix + key + " must be a string");
  }

  public String oneOf(String key, String defaultValue, List<String> allowed) {
    String value = string(key, defaultValue);
    String upper = value.toUpperCase(java.util.Locale.ROOT);
    for (String option : allowed) {
      if (option.equalsIgnoreCase(upper)) {
        return option;
      }
    }
    throw new ConfigException(prefix + key + " must be one of " + allowed + ", got '" + value + "'");
  }

  /** A list of strings; a comma-separated string (from the environment) is accepted too. */
  public List<String> strings(String key) {
    Object value = section.getValue(key);
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
