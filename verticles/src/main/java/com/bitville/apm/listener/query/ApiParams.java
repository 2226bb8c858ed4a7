package com.bitville.apm.listener.query;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed, validated query parameters: each bad value becomes a 400 naming the parameter and what it accepts.
 * Unknown parameters are refused too, so that a typo ("min_durations") never silently widens a search.
 */
final class ApiParams {

  private static final Pattern METHOD = Pattern.compile("[A-Za-z]{1,16}");
  private static final Pattern STATUS = Pattern.compile("([1-5])xx|(\\d{3})|(\\d{3})-(\\d{3})");
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{16}");
  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,5})(m|h|d)");

  private final MultiMap params;

  ApiParams(MultiMap params, Set<String> allowed) {
    this.params = params;
    for (String name : params.names()) {
      if (!allowed.contains(name)) {
        throw ApiError.badRequest("unknown parameter '" + name + "'; allowed: " + String.join(", ", allowed));
      }
      if (params.getAll(name).size() > 1 && !name.equals("project")) {
        throw ApiError.badRequest("parameter '" + name + "' given more than once");
      }
    }
  }

  String text(String name, int maxLength) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.length() > maxLength) {
      throw ApiError.badRequest(name + " must be at most " + maxLength + " characters");
    }
    return value;
  }

  /** Repeated or comma-separated project names. */
  List<String> projects() {
    return params.getAll("project").stream().flatMap(v -> java.util.Arrays.stream(v.split(",")))
        .map(String::trim).filter(v -> !v.isEmpty()).map(v -> v.toLowerCase(java.util.Locale.ROOT)).distinct()
        .toList();
  }

  /** Epoch milliseconds or an ISO-8601 instant such as 2026-11-23T18:00:00Z. */
  Long time(String name) {
    String value = text(name, 64);
    if (value == null) {
      return null;
    }
    if (value.matches("\\d{1,15}")) {
      return Long.parseLong(value);
    }
    try {
      return Instant.parse(value).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(name + " must be epoch milliseconds or an ISO-8601 instant like "
          + "2026-11-23T18:00:00Z, got '" + value + "'");
    }
  }

  /** A stored record's id: a whole number 0 .. 10^18 - 1. */
  Long recordId(String name) {
    String value = text(name, 32);
    if (value == null) {
      return null;
    }
    if (!value.matches("\\d{1,18}")) {
      throw ApiError.badRequest(name + " must be a record id (a whole number), got '" + value + "'");
    }
    return Long.parseLong(value);
  }

  Double number(String name, double min, double max) {
    String value = text(name, 32);
    if (value == null) {
      return null;
    }
    try {
      double number = Double.parseDouble(value);
      if (!(number >= min && number <= max)) {
        throw ApiError.badRequest(name + " must be between " + min + " and " + max + ", got " + value);
      }
      return number;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(name + " must be a number, got '" + value + "'");
    }
  }

  int integer(String name, int defaultValue, int min, int max) {
    String value = text(name, 12);
    if (value == null) {
      return defaultValue;
    }
    if (!value.matches("-?\\d{1,10}")) {
      throw ApiError.badRequest(name + " must be a whole number, got '" + value + "'");
    }
    long number = Long.parseLong(value);
    if (number < min || number > max) {
      throw ApiError.badRequest(name + " must be between " + min + " and " + max + ", got " + value);
    }
    return (int) number;
  }

  /** A SQL fingerprint as the analysis shows it: 16 lowercase hex characters. */
  String sqlFingerprint() {
    String value = text("sql_fingerprint", 64);
    if (value != null && !FINGERPRINT.matcher(value).matches()) {
      throw ApiError.badRequest("sql_fingerprint must be 16 lowercase hex characters, got '" + value + "'");
    }
    return value;
  }

  /** A function name as the analysis shows it (such as {@code Orders::load}): no control characters. */
  String functionName() {
    String value = text("function", 1024);
    if (value != null && (value.isBlank() || CONTROL.matcher(value).find())) {
      throw ApiError.badRequest("function must be a function name without control characters");
    }
    return value;
  }

  Boolean bool(String name) {
    String value = text(name, 8);
    if (value == null) {
      return null;
    }
    return switch (value) {
      case "true", "1", "yes" -> Boolean.TRUE;
      case "false", "0", "no" -> Boolean.FALSE;
      default -> throw ApiError.badRequest(name + " must be true or false, got '" + value + "'");
    };
  }

  String oneOf(String name, String defaultValue, Set<String> allowed) {
    String value = text(name, 32);
    if (value == null) {
      return defaultValue;
    }
    if (!allowed.contains(value)) {
      throw ApiError.badRequest(name + " must be one of " + allowed + ", got '" + value + "'");
    }
    return value;
  }

  String method() {
    String value = text("method", 16);
    if (value == null) {
      return null;
    }
    if (!METHOD.matcher(value).matches()) {
      throw ApiError.badRequest("method must be an HTTP method such as GET, got '" + value + "'");
    }
    return value.toUpperCase(java.util.Locale.ROOT);
  }

  /** 200, 5xx or 400-499 as an inclusive [min, max] range; null when absent. */
  int[] status() {
    String value = text("status", 16);
    if (value == null) {
      return null;
    }
    var m = STATUS.matcher(value);
    if (!m.matches()) {
      throw ApiError.badRequest("status must be a code (404), a class (5xx) or a range (400-499), got '"
          + value + "'");
    }
    if (m.group(1) != null) {
      int hundred = Integer.parseInt(m.group(1)) * 100;
      return new int[] {hundred, hundred + 99};
    }
    if (m.group(2) != null) {
      int code = Integer.parseInt(m.group(2));
      return new int[] {code, code};
    }
    int low = Integer.parseInt(m.group(3));
    int high = Integer.parseInt(m.group(4));
    if (low > high) {
      throw ApiError.badRequest("status range must go from low to high, got '" + value + "'");
    }
    return new int[] {low, high};
  }

  /** A window length such as 30m, 24h or 7d, in milliseconds. */
  Long window(String name) {
    String value = text(name, 8);
    if (value == null) {
      return null;
    }
    var m = DURATION.matcher(value);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw ApiError.badRequest(name + " must look like 30m, 24h or 7d, got '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    return n * switch (m.group(2)) {
      case "m" -> 60_000L;
      case "h" -> 3_600_000L;
      default -> 86_400_000L;
    };
  }

  /** The opaque cursor: base64url of {"v": sort value, "id": last id, "s": sort, "o": order}. */
  JsonObject cursor(String sort, String order) {
    String value = text("cursor", 512);
    if (value == null) {
      return null;
    }
    JsonObject cursor;
    try {
      cursor = new JsonObject(new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8));
      if (!(cursor.getValue("id") instanceof Number) || !(cursor.getValue("v") instanceof Number)) {
        throw new IllegalArgumentException();
      }
    } catch (RuntimeException e) {
      throw ApiError.badRequest("cursor is not one this server issued");
    }
    if (!sort.equals(cursor.getString("s")) || !order.equals(cursor.getString("o"))) {
      throw ApiError.badRequest("cursor belongs to another sort order; start again without cursor");
    }
    return new JsonObject().put("value", cursor.getValue("v")).put("id", cursor.getLong("id"));
  }

  static String encodeCursor(Object value, long id, String sort, String order) {
    String json = new JsonObject().put("v", value).put("id", id).put("s", sort).put("o", order).encode();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
