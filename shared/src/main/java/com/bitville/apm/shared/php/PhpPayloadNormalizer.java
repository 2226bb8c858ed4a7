package com.bitville.apm.shared.php;

import static com.bitville.apm.shared.normalize.JsonFields.cap;
import static com.bitville.apm.shared.normalize.JsonFields.lenientNumber;
import static com.bitville.apm.shared.normalize.JsonFields.lenientString;
import static com.bitville.apm.shared.normalize.JsonFields.number;
import static com.bitville.apm.shared.normalize.JsonFields.object;
import static com.bitville.apm.shared.normalize.JsonFields.optionalObject;
import static com.bitville.apm.shared.normalize.JsonFields.string;

import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.model.RecordKind;
import com.bitville.apm.shared.normalize.CorrelationIds;
import com.bitville.apm.shared.normalize.EventTime;
import com.bitville.apm.shared.normalize.InvalidPayloadException;
import com.bitville.apm.shared.normalize.RouteNormalizer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * Validates a PHP agent payload (the real shape and the earlier listener's schema) and derives the columns
 * the query side needs. Rejects only what cannot be stored meaningfully; unknown fields stay in the payload.
 */
public final class PhpPayloadNormalizer {

  public static final String SOURCE = "php";
  private static final double MAX_DURATION_MS = 7 * 24 * 3600 * 1000.0;

  private PhpPayloadNormalizer() {
  }

  /**
   * @param path JSON path of this payload in the body, e.g. {@code $} or {@code $[2]}
   */
  public static IngestRecord normalize(JsonObject payload, String project, long receivedAtMs, String path) {
    return normalize(payload, null, project, receivedAtMs, path);
  }

  /**
   * @param rawJson the payload's UTF-8 bytes exactly as received, when available: stored as-is (no re-encoding)
   */
  public static IngestRecord normalize(JsonObject payload, byte[] rawJson, String project, long receivedAtMs,
      String path) {
    String correlationId = correlationId(payload, path);
    Double timestamp = number(payload, "timestamp", path + ".timestamp");
    double durationMs = duration(payload, path);
    JsonObject request = object(payload, "request", path + ".request");
    JsonObject response = object(payload, "response", path + ".response");
    JsonObject server = object(payload, "server", path + ".server");
    String url = cap(firstString(request, "url", "uri"), 4096);
    PhpProfile.StatementTotals statements = PhpProfile.checkShape(payload, path);
    JsonObject sql = optionalObject(payload, "sql", path + ".sql");
    String method = method(request);
    Integer status = status(response);
    String route = RouteNormalizer.route(url);
    String host = cap(firstNonBlank(lenientString(server, "hostname"),
        lenientString(object(request, "server", path + ".request.server"), "server_name")), 255);
    boolean fatal = !object(payload, "fatal_error", path + ".fatal_error").isEmpty();
    return new IngestRecord(
        project,
        RecordKind.PHP,
        SOURCE,
        correlationId,
        timestamp == null ? receivedAtMs : EventTime.toMillis(timestamp, path + ".timestamp"),
        receivedAtMs,
        timestamp == null,
        durationMs,
        route,
        url,
        method,
        status,
        host,
        sqlCount(sql, statements),
        sqlTime(sql, statements),
        memoryPeak(payload),
        fatal,
        summary(method, route, durationMs, fatal, project),
        rawJson != null ? PayloadCodec.compress(rawJson) : PayloadCodec.compress(payload.encode()),
        CorrelationIds.isLinkable(correlationId) ? List.of(correlationId) : List.of());
  }

  private static String correlationId(JsonObject payload, String path) {
    String id = string(payload, "correlation_id", path + ".correlation_id");
    if (id == null || id.isBlank()) {
      throw new InvalidPayloadException(path + ".correlation_id is required");
    }
    if (id.length() > 128) {
      throw new InvalidPayloadException(path + ".correlation_id must be at most 128 characters");
    }
    return CorrelationIds.isLinkable(id) ? id.toLowerCase(Locale.ROOT) : id;
  }

  private static double duration(JsonObject payload, String path) {
    Double elapsed = number(payload, "elapsed_ms", path + ".elapsed_ms");
    if (elapsed == null) {
      JsonObject timing = object(payload, "timing", path + ".timing");
      elapsed = number(timing, "duration_ms", path + ".timing.duration_ms");
      if (elapsed == null) {
        elapsed = number(timing, "elapsed_ms", path + ".timing.elapsed_ms");
      }
    }
    if (elapsed == null) {
      throw new InvalidPayloadException(path + ".elapsed_ms is required (or timing.duration_ms)");
    }
    if (elapsed < 0 || elapsed > MAX_DURATION_MS) {
      throw new InvalidPayloadException(path + ".elapsed_ms must be between 0 and " + (long) MAX_DURATION_MS);
    }
    return elapsed;
  }

  private static String method(JsonObject request) {
    String method = lenientString(request, "method");
    return method == null || method.isBlank() ? null : cap(method.trim().toUpperCase(Locale.ROOT), 16);
  }

  private static Integer status(JsonObject response) {
    Double status = lenientNumber(response, "status_code");
    return status == null || status < 0 || status > 999 ? null : status.intValue();
  }

  private static Long memoryPeak(JsonObject payload) {
    JsonObject xhprof = payload.getValue("xhprof") instanceof JsonObject o ? o : null;
    JsonObject memory = xhprof != null && xhprof.getValue("memory") instanceof JsonObject m ? m : null;
    Double peak = memory == null ? null : lenientNumber(memory, "peak_usage");
    return peak == null || peak < 0 ? null : peak.longValue();
  }

  private static Integer sqlCount(JsonObject sql, PhpProfile.StatementTotals statements) {
    if (sql == null) {
      return null;
    }
    Double total = summaryNumber(sql, "total_queries");
    return total != null ? Integer.valueOf(total.intValue()) : Integer.valueOf(statements.count());
  }

  private static Double sqlTime(JsonObject sql, PhpProfile.StatementTotals statements) {
    if (sql == null) {
      return null;
    }
    Double total = summaryNumber(sql, "total_time_ms");
    if (total == null) {
      total = lenientNumber(sql, "total_duration_ms");
    }
    return total != null ? total : statements.timeMs();
  }

  private static Double summaryNumber(JsonObject sql, String key) {
    JsonObject summary = sql.getValue("summary") instanceof JsonObject s ? s : null;
    Double value = summary == null ? null : lenientNumber(summary, key);
    return value != null ? value : lenientNumber(sql, key);
  }

  private static String summary(String method, String route, double durationMs, boolean fatal, String project) {
    return (method == null ? "?" : method) + " " + (route == null ? "?" : route) + " "
        + Math.round(durationMs) + " ms (php" + (fatal ? ", fatal error" : "") + ") [" + project + "]";
  }

  private static String firstString(JsonObject object, String first, String second) {
    String value = lenientString(object, first);
    return value != null ? value : lenientString(object, second);
  }

  private static String firstNonBlank(String first, String second) {
    return first != null && !first.isBlank() ? first : (second == null || second.isBlank() ? null : second);
  }
}
