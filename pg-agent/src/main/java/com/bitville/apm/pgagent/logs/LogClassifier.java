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
  private static final Pattern WAITED = Pattern.compile(
      "(?:still waiting for|acquired|detected deadlock while waiting for|avoided deadlock for) .* after "
          + "(\\d+(?:\\.\\d+)?) ms");
  private static final Pattern CRASH = Pattern.compile("^(server process \\(PID \\d+\\) (was terminated by|exited with)"
      + "|terminating any other active server processes|all server processes terminated; reinitializing"
      + "|terminating connection because of crash of another server process"
      + "|[a-z ]*process \\(PID \\d+\\) was terminated by signal)");
  private static final Pattern RECOVERY = Pattern.compile("^(database system was interrupted"
      + "|database system was not properly shut down|redo starts at|redo done at|invalid record length at"
      + "|automatic recovery in progress|consistent recovery state reached|entering standby mode"
      + "|starting archive recovery|archive recovery complete|last completed transaction was|selected new timeline ID)");
  private static final Pattern STARTUP = Pattern.compile("^(database system is ready to accept|starting PostgreSQL"
      + "|listening on|database system was shut down at)");
  private static final Pattern SHUTDOWN = Pattern.compile("^(received (smart|fast|immediate) shutdown request"
      + "|aborting any active transactions|background worker \".*\" \\(PID \\d+\\) exited with exit code 1"
      + "|shutting down|database system is shut down|the database system is shutting down)");
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
    Matcher waited = WAITED.matcher(message);
    if (waited.find()) {
      entry.put("lock_wait_ms", Double.parseDouble(waited.group(1)));
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
    if (message.contains("deadlock detected") || message.contains("detected deadlock while waiting")
        || "40P01".equals(entry.getString("sql_state"))) {
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
    if (CRASH.matcher(message).find()) {
      return "crash";
    }
    if (SHUTDOWN.matcher(message).find()) {
      return "shutdown";
    }
    if (RECOVERY.matcher(message).find()) {
      return "recovery";
    }
    if (STARTUP.matcher(message).find()) {
      return "startup";
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
