package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * csvlog: one CSV record per entry, but quoted fields (message, query) may contain newlines, so lines are collected
 * until the quotes balance. Columns are positional; later server versions only append columns (backend_type in 13,
 * leader_pid and query_id in 14), so one mapping serves PostgreSQL 12 to 17.
 */
public final class CsvEntryReader implements LogEntryReader {

  private static final String[] COLUMNS = {"log_time", "user", "database", "pid", "connection_from", "session_id",
      "session_line_num", "command_tag", "session_start_time", "virtual_transaction_id", "transaction_id", "level",
      "sql_state", "message", "detail", "hint", "internal_query", "internal_query_pos", "context", "statement",
      "query_pos", "location", "application_name", "backend_type", "leader_pid", "query_id"};
  private static final List<String> KEPT = List.of("user", "database", "session_id", "sql_state", "detail", "hint",
      "internal_query", "context", "statement", "application_name", "backend_type", "query_id");

  private final int maxEntryBytes;
  private final StringBuilder record = new StringBuilder();
  private long recordOffset = -1;
  private boolean insideQuotes;

  public CsvEntryReader(int maxEntryBytes) {
    this.maxEntryBytes = maxEntryBytes;
  }

  @Override
  public void accept(LogLine line, List<JsonObject> out) {
    if (recordOffset < 0) {
      recordOffset = line.offset();
    } else {
      record.append('\n');
    }
    // Cap the buffered record: a runaway quoted field must not grow memory without bound.
    if (record.length() < maxEntryBytes * 4) {
      record.append(line.text());
    }
    insideQuotes ^= (count(line.text(), '"') % 2 == 1);
    if (!insideQuotes) {
      out.add(entry(parse(record)));
      record.setLength(0);
      recordOffset = -1;
    }
  }

  @Override
  public void flush(List<JsonObject> out) {
    // An unbalanced record at a file switch is a torn write: drop it rather than emit garbage.
    record.setLength(0);
    recordOffset = -1;
    insideQuotes = false;
  }

  @Override
  public long pendingOffset() {
    return recordOffset;
  }

  private JsonObject entry(List<String> fields) {
    JsonObject entry = new JsonObject().put("format", "csvlog");
    String logTime = field(fields, 0);
    if (logTime != null) {
      int zone = logTime.indexOf(' ', 11);
      entry.put("timestamp", zone > 0 ? logTime.substring(0, zone) : logTime);
      entry.put("timezone", zone > 0 ? logTime.substring(zone + 1) : null);
    }
    String pid = field(fields, 3);
    entry.put("pid", pid == null ? null : Integer.valueOf(pid));
    entry.put("level", field(fields, 11));
    EntryText.put(entry, "message", field(fields, 13), maxEntryBytes);
    for (int i = 0; i < COLUMNS.length && i < fields.size(); i++) {
      if (KEPT.contains(COLUMNS[i])) {
        EntryText.put(entry, COLUMNS[i], field(fields, i), maxEntryBytes);
      }
    }
    return entry;
  }

  private static String field(List<String> fields, int index) {
    if (index >= fields.size()) {
      return null;
    }
    String value = fields.get(index);
    return value.isEmpty() ? null : value;
  }

  /** RFC 4180: fields separated by commas, quoted fields double their quotes. */
  static List<String> parse(CharSequence text) {
    List<String> fields = new ArrayList<>(COLUMNS.length);
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }

  private static int count(String text, char c) {
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      n += text.charAt(i) == c ? 1 : 0;
    }
    return n;
  }
}
