package com.bitville.apm.pgagent.logs;

import com.bitville.apm.shared.normalize.CorrelationIds;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives each log entry a {@code category} a person can filter on, pulls out the numbers that matter (duration of a
 * slow statement, size of a temp file), finds the PHP correlation id and redacts passwords.
 */
public final class LogClassifier {

  private static final Pattern DURATION = Pattern.compile(
      "^duration: (\\d+(?:\\.\\d+)?) ms(?:\\s+(?:statement|execute [^:]*|parse [^:]*|bind [^:]*|fastpath function call)"
          + ":\\s?(.*))?", Pattern.DOTALL);
  private static final Pattern TEMP_FILE = Pattern.compile("^temporary file: path \"[^\"]*\", size (\\d+)");
  private static final Pattern LOCK_WAIT = Pattern.compile("still waiting for|acquired \\S+ on .* after"
      + "|canceling statement due to lock timeout|could not obtain lock");
  private static final Pattern CONNECTION = Pattern.compile("^(connection received|connection authorized"
      + "|connection authenticated|disconnection:|password authentication failed|no pg_hba\\.conf entry"
      + "|sorry, too many clients|remaining connection slots|could not receive data from client"
      + "|could not send data to client|terminating connection|could not accept|role \".*\" does not exist"
      + "|database \".*\" does not exist|connection to client lost|unexpected EOF on client connection)");
  private static final Set<String> ERROR_LEVELS = Set.of("ERROR", "FATAL", "PANIC");
  private static final List<String> TEXT_FIELDS = List.of("message", "statement", "detail", "hint", "context",
      "internal_query");

  private LogClassifier() {
  }

  public static JsonObject classify(JsonObject entry) {
    String message = entry.getString("message", "");
    entry.put("category", category(entry, message));
    Matcher duration = DURATION.matcher(message);
    if (duration.find()) {
      entry.put("duration_ms", Double.parseDouble(duration.group(1)));
      if (duration.group(2) != null && !entry.containsKey("statement")) {
        entry.put("statement", duration.group(2));
      }
    }
    Matcher temp = TEMP_FILE.matcher(message);
    if (temp.find()) {
      entry.put("temp_file_bytes", Long.parseLong(temp.group(1)));
    }
    TEXT_FIELDS.forEach(field -> redactField(entry, field));
    entry.put("correlation_id", correlationId(entry));
    return entry;
  }

  static String category(JsonObject entry, String message) {
    String level = java.util.Objects.requireNonNullElse(entry.getString("level"), "");
    if (DURATION.matcher(message).find()) {
      return "slow_statement";
    }
    if (message.contains("deadlock detected") || "40P01".equals(entry.getString("sql_state"))) {
      return "deadlock";
    }
    if (LOCK_WAIT.matcher(message).find() || "55P03".equals(entry.getString("sql_state"))) {
      return "lock_wait";
    }
    if (TEMP_FILE.matcher(message).find()) {
      return "temp_file";
    }
    if (message.startsWith("checkpoint") || message.startsWith("restartpoint")) {
      return "checkpoint";
    }
    if (message.startsWith("automatic vacuum") || message.startsWith("automatic analyze")
        || message.contains("autovacuum")) {
      return "autovacuum";
    }
    if (CONNECTION.matcher(message).find()) {
      return "connection";
    }
    return ERROR_LEVELS.contains(level) ? level.toLowerCase(java.util.Locale.ROOT) : "other";
  }

  private static void redactField(JsonObject entry, String field) {
    String value = entry.getString(field);
    if (value != null) {
      entry.put(field, PasswordRedactor.redact(value));
    }
  }

  private static String correlationId(JsonObject entry) {
    for (String field : List.of("statement", "message", "internal_query", "context")) {
      String id = CorrelationIds.fromComment(entry.getString(field));
      if (id != null) {
        return id;
      }
    }
    return CorrelationIds.fromApplicationName(entry.getString("application_name"));
  }
}
