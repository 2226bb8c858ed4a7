package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/** jsonlog (PostgreSQL 15+): one JSON object per line, newlines escaped, so no stitching is needed. */
public final class JsonEntryReader implements LogEntryReader {

  private static final Map<String, String> FIELDS = Map.ofEntries(Map.entry("user", "user"),
      Map.entry("dbname", "database"), Map.entry("application_name", "application_name"),
      Map.entry("session_id", "session_id"), Map.entry("state_code", "sql_state"), Map.entry("detail", "detail"),
      Map.entry("hint", "hint"), Map.entry("context", "context"), Map.entry("statement", "statement"),
      Map.entry("internal_query", "internal_query"), Map.entry("backend_type", "backend_type"));

  private final int maxEntryBytes;

  public JsonEntryReader(int maxEntryBytes) {
    this.maxEntryBytes = maxEntryBytes;
  }

  @Override
  public void accept(LogLine line, List<JsonObject> out) {
    JsonObject raw;
    try {
      raw = new JsonObject(line.text());
    } catch (DecodeException e) {
      return; // a torn line (e.g. cut by copytruncate) cannot be repaired
    }
    JsonObject entry = new JsonObject().put("format", "jsonlog");
    String timestamp = raw.getString("timestamp");
    if (timestamp != null) {
      int zone = timestamp.indexOf(' ', 11);
      entry.put("timestamp", zone > 0 ? timestamp.substring(0, zone) : timestamp);
      entry.put("timezone", zone > 0 ? timestamp.substring(zone + 1) : null);
    }
    entry.put("pid", raw.getInteger("pid"));
    entry.put("level", raw.getString("error_severity"));
    EntryText.put(entry, "message", raw.getString("message"), maxEntryBytes);
    FIELDS.forEach((from, to) -> EntryText.put(entry, to, stringOf(raw.getValue(from)), maxEntryBytes));
    if (raw.getValue("query_id") != null) {
      entry.put("query_id", String.valueOf(raw.getValue("query_id")));
    }
    out.add(entry);
  }

  @Override
  public void flush(List<JsonObject> out) {
  }

  @Override
  public long pendingOffset() {
    return -1;
  }

  private static String stringOf(Object value) {
    return value == null ? null : String.valueOf(value);
  }
}
