package com.bitville.apm.listener.gelf;

import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.pg.PgEnvelopeView;
import com.bitville.apm.shared.pg.PgSources;
import com.bitville.apm.shared.php.PhpPayloadView;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * One stored record to one GELF 1.1 message (docs/forwarding-and-retention.md, spec gelf.md), shaped for what
 * Graylog's input really does: additional fields with a single underscore and names of {@code [\w.-]}, never
 * {@code _id}; no boolean or null values (Graylog drops them silently); string fields capped well below the
 * 32,766-byte index limit; {@code level} always an integer; timestamp in seconds with millisecond decimals;
 * the whole frame under Graylog's 2 MiB frame limit.
 */
public final class GelfMapper {

  /** Graylog's TCP frame limit, NUL included. */
  public static final int MAX_FRAME_BYTES = 2 * 1024 * 1024;
  static final Pattern FIELD_NAME = Pattern.compile("^_[\\w.\\-]+$");
  static final int MAX_FIELD_CHARS = 8_000;
  static final int MAX_SHORT_MESSAGE_CHARS = 1_000;
  static final int FALLBACK_FULL_MESSAGE_BYTES = 64 * 1024;
  static final int LEVEL_ERROR = 3;
  static final int LEVEL_WARNING = 4;
  static final int LEVEL_INFO = 6;

  /** A record that cannot become a GELF frame (corrupt payload, over the frame limit even when cut). */
  public static final class UnsendableException extends Exception {
    public UnsendableException(String message) {
      super(message, null, false, false);
    }
  }

  private final int fullMessageMaxBytes;
  private final double slowThresholdMs;

  public GelfMapper(int fullMessageMaxBytes, double slowThresholdMs) {
    this.fullMessageMaxBytes = fullMessageMaxBytes;
    this.slowThresholdMs = slowThresholdMs;
  }

  /** The frame body (JSON, UTF-8, without the NUL terminator); never empty. Inflates: never on an event loop. */
  public byte[] encode(JsonObject record) throws UnsendableException {
    assert !Context.isOnEventLoopThread() : "payloads are inflated on a worker thread, not an event loop";
    String payloadText;
    JsonObject payload;
    try {
      payloadText = PayloadCodec.decompress(record.getBinary("payload"));
      payload = new JsonObject(payloadText);
    } catch (RuntimeException e) {
      throw new UnsendableException("stored payload cannot be read: " + e.getMessage());
    }
    JsonObject gelf = toGelf(record, payload, payloadText, fullMessageMaxBytes);
    byte[] bytes = gelf.encode().getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= MAX_FRAME_BYTES) {
      bytes = toGelf(record, payload, payloadText, FALLBACK_FULL_MESSAGE_BYTES).encode()
          .getBytes(StandardCharsets.UTF_8);
    }
    if (bytes.length >= MAX_FRAME_BYTES) {
      throw new UnsendableException("GELF message of " + bytes.length + " bytes is over the 2 MiB frame limit");
    }
    return bytes;
  }

  JsonObject toGelf(JsonObject record, JsonObject payload, String payloadText, int fullMessageBytes) {
    long id = record.getLong("id");
    JsonObject gelf = new JsonObject()
        .put("version", "1.1")
        .put("host", host(record, payload))
        .put("short_message", shortMessage(record, id))
        .put("full_message", capBytes(payloadText, fullMessageBytes))
        .put("timestamp", BigDecimal.valueOf(record.getLong("event_time_ms"), 3))
        .put("level", level(record, payload));
    field(gelf, "_project", record.getString("project"));
    field(gelf, "_source", record.getString("source"));
    field(gelf, "_correlation_id", orNone(record.getString("correlation_id")));
    gelf.put("_record_id", id);
    field(gelf, "_listener_node", record.getString("node"));
    number(gelf, "_duration_ms", exact(record, "duration_ms"));
    field(gelf, "_url", record.getString("url"));
    field(gelf, "_route", record.getString("route"));
    field(gelf, "_method", record.getString("method"));
    number(gelf, "_status_code", record.getValue("status"));
    number(gelf, "_sql_count", record.getValue("sql_count"));
    number(gelf, "_sql_time_ms", exact(record, "sql_time_ms"));
    number(gelf, "_memory_peak_bytes", record.getValue("memory_peak_bytes"));
    field(gelf, "_php_version", phpVersion(record, payload));
    return gelf;
  }

  /** A REAL column from its exact text form when the page carries one (see OutboxSql.PAGE). */
  static Object exact(JsonObject record, String column) {
    Object value = record.getValue(column);
    if (value != null && record.getValue(column + "_text") instanceof String text && !text.isBlank()) {
      try {
        return Double.parseDouble(text);
      } catch (NumberFormatException e) {
        return value;
      }
    }
    return value;
  }

  /** The agent's server host name (the record's host column, else what the payload names), else the storing node. */
  static String host(JsonObject record, JsonObject payload) {
    for (Object candidate : new Object[] {record.getValue("host"), payloadHost(record, payload),
        record.getValue("node")}) {
      if (candidate instanceof String text && !text.isBlank()) {
        return cap(text.strip(), 255);
      }
    }
    return "unknown";
  }

  private static String payloadHost(JsonObject record, JsonObject payload) {
    return isPhp(record) ? PhpPayloadView.of(payload).hostname()
        : PgEnvelopeView.of(record.getString("source"), payload).host();
  }

  private static boolean isPhp(JsonObject record) {
    return "php".equals(record.getString("kind"));
  }

  private static String shortMessage(JsonObject record, long id) {
    String summary = record.getString("summary");
    return summary == null || summary.isBlank() ? "record " + id + " (" + record.getString("source") + ")"
        : cap(summary, MAX_SHORT_MESSAGE_CHARS);
  }

  /** 3 fatal PHP errors and PostgreSQL ERROR/FATAL lines; 4 slow requests and blocking locks; 6 otherwise. */
  int level(JsonObject record, JsonObject payload) {
    if (isTrue(record.getValue("fatal"))) {
      return LEVEL_ERROR;
    }
    if ("php".equals(record.getString("kind")) && exact(record, "duration_ms") instanceof Number duration
        && duration.doubleValue() > slowThresholdMs) {
      return LEVEL_WARNING;
    }
    if (PgSources.LOCKS.equals(record.getString("source"))
        && PgEnvelopeView.of(record.getString("source"), payload).hasBlockingLocks()) {
      return LEVEL_WARNING;
    }
    return LEVEL_INFO;
  }

  private static String phpVersion(JsonObject record, JsonObject payload) {
    return isPhp(record) ? PhpPayloadView.of(payload).phpVersion() : null;
  }

  private static boolean isTrue(Object value) {
    return Boolean.TRUE.equals(value) || value instanceof Number n && n.intValue() != 0;
  }

  private static String orNone(String value) {
    return value == null || value.isBlank() ? "none" : value;
  }

  /** Strings only when non-blank (Graylog drops empty and null fields anyway), capped. */
  private static void field(JsonObject gelf, String name, String value) {
    checkName(name);
    if (value != null && !value.isBlank()) {
      gelf.put(name, cap(value, MAX_FIELD_CHARS));
    }
  }

  private static void number(JsonObject gelf, String name, Object value) {
    checkName(name);
    if (value instanceof Number number) {
      gelf.put(name, number);
    }
  }

  private static void checkName(String name) {
    if (!FIELD_NAME.matcher(name).matches() || name.equals("_id")) {
      throw new IllegalArgumentException("invalid GELF field name " + name);
    }
  }

  static String cap(String value, int maxChars) {
    if (value.length() <= maxChars) {
      return value;
    }
    int end = maxChars;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(0, end) + "…";
  }

  /** Cuts to at most {@code maxBytes} of UTF-8 on a character boundary, with a marker saying how much was cut. */
  static String capBytes(String text, int maxBytes) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return text;
    }
    String marker = " …[truncated: " + bytes.length + " bytes, first " + maxBytes + " kept]";
    int cut = Math.max(0, maxBytes - marker.getBytes(StandardCharsets.UTF_8).length);
    while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) {
      cut--;
    }
    return new String(bytes, 0, cut, StandardCharsets.UTF_8) + marker;
  }
}
