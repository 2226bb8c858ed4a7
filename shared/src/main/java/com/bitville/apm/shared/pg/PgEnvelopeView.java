package com.bitville.apm.shared.pg;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A stored Postgres envelope as the read side sees it: the paths of the pg-agent's layout that the request detail,
 * the timeline and the GELF mapper use are read here and nowhere else. Items are the entries under the source's
 * {@link PgSources#itemsKey items key} (sessions, locks, log lines, statements), passed on as sent.
 */
public final class PgEnvelopeView {

  /** A session of {@code pg_stat_activity} at sample time: when its query started (null if unknown). */
  public record Session(Object pid, Object state, Object waitEvent, Long queryStartMs) {
  }

  /** A blocked lock of {@code pg_locks}: when the blocked query started (null if unknown). */
  public record BlockedLock(Object blockedPid, Object blockingPid, Object lockType, Long blockedQueryStartMs) {
  }

  /**
   * A line of the server log: its time with a zone ({@code timestamp_utc}) when the agent sent one, else its
   * zone-less log time read as UTC; the statement duration the line reported, if any.
   */
  public record LogLine(Object level, Object message, Long utcMs, Long zonelessMs, Double durationMs) {
  }

  private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSS][.SS][.S]");

  private final String source;
  private final JsonObject envelope;

  private PgEnvelopeView(String source, JsonObject envelope) {
    this.source = source == null ? "" : source;
    this.envelope = envelope == null ? new JsonObject() : envelope;
  }

  /** @param source the record's source column (the envelope's {@code source}) */
  public static PgEnvelopeView of(String source, JsonObject envelope) {
    return new PgEnvelopeView(source, envelope);
  }

  public String source() {
    return source;
  }

  /** The envelope's {@code data}; empty when it has none. */
  public JsonObject data() {
    return envelope.getValue("data") instanceof JsonObject d ? d : new JsonObject();
  }

  /** The key of the item array under {@code data}; null for sources without one. */
  public String itemsKey() {
    return PgSources.itemsKey(source);
  }

  /** The entries that mention the correlation id (any case), all entries when it is null. */
  public JsonArray itemsMentioning(String correlationId) {
    JsonArray items = new JsonArray();
    String key = itemsKey();
    if (key != null && data().getValue(key) instanceof JsonArray all) {
      String needle = correlationId == null ? null : correlationId.toLowerCase(Locale.ROOT);
      for (Object item : all) {
        if (needle == null || (item instanceof JsonObject o && o.encode().toLowerCase(Locale.ROOT).contains(needle))) {
          items.add(item);
        }
      }
    }
    return items;
  }

  /** The database server's host name the agent sent ({@code host}); null when none. */
  public String host() {
    for (String key : new String[] {"host", "hostname"}) {
      if (envelope.getValue(key) instanceof String text && !text.isBlank()) {
        return text;
      }
    }
    return null;
  }

  /** True when a {@code pg_locks} sample shows a blocked session ({@code data.has_blocking}, else any lock). */
  public boolean hasBlockingLocks() {
    JsonObject data = data();
    if (data.getValue("has_blocking") instanceof Boolean flag) {
      return flag;
    }
    return data.getValue(PgSources.itemsKey(PgSources.LOCKS)) instanceof JsonArray locks && !locks.isEmpty();
  }

  // ---- items, read by their source's layout ----

  public static Session session(JsonObject item) {
    return new Session(item.getValue("pid"), item.getValue("state"), item.getValue("wait_event"),
        isoMs(item.getValue("query_start")));
  }

  public static BlockedLock blockedLock(JsonObject item) {
    return new BlockedLock(item.getValue("blocked_pid"), item.getValue("blocking_pid"), item.getValue("locktype"),
        isoMs(item.getValue("blocked_query_start")));
  }

  public static LogLine logLine(JsonObject item) {
    return new LogLine(item.getValue("level"), item.getValue("message"), isoMs(item.getValue("timestamp_utc")),
        logMs(item.getValue("timestamp")), item.getValue("duration_ms") instanceof Number n ? n.doubleValue() : null);
  }

  /** The items as objects (anything else in the array is skipped). */
  public static List<JsonObject> objects(JsonArray items) {
    List<JsonObject> objects = new ArrayList<>();
    for (Object item : items) {
      if (item instanceof JsonObject o) {
        objects.add(o);
      }
    }
    return objects;
  }

  /** An ISO-8601 time with an offset or a zone ({@code 2026-11-23T17:57:10.512+00:00}) in Unix ms; null if not. */
  public static Long isoMs(Object value) {
    if (!(value instanceof String text) || text.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      try {
        return Instant.parse(text).toEpochMilli();
      } catch (RuntimeException e2) {
        return null;
      }
    }
  }

  /** A server log time without a zone ({@code 2026-11-23 17:57:10.512}) read as UTC, else as ISO-8601. */
  public static Long logMs(Object value) {
    if (!(value instanceof String text)) {
      return null;
    }
    try {
      return LocalDateTime.parse(text.trim(), LOG_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (RuntimeException e) {
      return isoMs(text);
    }
  }
}
