package com.bitville.apm.shared.normalize;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Liberal, typed reads of agent JSON: PHP encodes an empty object as {@code []}, whole floats may arrive as
 * integers and invalid UTF-8 strings arrive as null. Each read either returns a value, returns null for
 * "absent", or throws an {@link InvalidPayloadException} naming the path.
 */
public final class JsonFields {

  private JsonFields() {
  }

  /** The object at {@code key}; {@code []} and absence both read as an empty object. */
  public static JsonObject object(JsonObject parent, String key, String path) {
    Object value = parent.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value instanceof JsonArray array && array.isEmpty()) {
      return new JsonObject();
    }
    throw new InvalidPayloadException(path + " must be an object");
  }

  /** Like {@link #object} but null when absent or explicitly null (e.g. {@code "xhprof": null}). */
  public static JsonObject optionalObject(JsonObject parent, String key, String path) {
    return parent.getValue(key) == null ? null : object(parent, key, path);
  }

  public static JsonArray array(JsonObject parent, String key, String path) {
    Object value = parent.getValue(key);
    if (value == null) {
      return new JsonArray();
    }
    if (value instanceof JsonArray array) {
      return array;
    }
    if (value instanceof JsonObject object && object.isEmpty()) {
      return new JsonArray();
    }
    throw new InvalidPayloadException(path + " must be an array");
  }

  public static Double number(JsonObject parent, String key, String path) {
    Object value = parent.getValue(key);
    if (value == null) {
      return null;
    }
    if (value instanceof Number number) {
      double d = number.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new InvalidPayloadException(path + " must be a finite number");
      }
      return d;
    }
    throw new InvalidPayloadException(path + " must be a number");
  }

  /** A number, or null for absent and also for values of the wrong type: for optional, informative fields. */
  public static Double lenientNumber(JsonObject parent, String key) {
    Object value = parent.getValue(key);
    if (value instanceof Number number && Double.isFinite(number.doubleValue())) {
      return number.doubleValue();
    }
    return null;
  }

  public static String string(JsonObject parent, String key, String path) {
    Object value = parent.getValue(key);
    if (value == null) {
      return null;
    }
    if (value instanceof String string) {
      return string;
    }
    throw new InvalidPayloadException(path + " must be a string");
  }

  /** A string, or null for absent and also for values of the wrong type: for optional, informative fields. */
  public static String lenientString(JsonObject parent, String key) {
    return parent.getValue(key) instanceof String string ? string : null;
  }

  public static String cap(String value, int maxChars) {
    if (value == null || value.length() <= maxChars) {
      return value;
    }
    return value.substring(0, maxChars);
  }
}
