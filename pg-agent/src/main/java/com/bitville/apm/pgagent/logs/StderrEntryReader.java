package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain stderr logs. A line matching the prefix starts an entry; a tab-indented line continues the previous one
 * (the server indents every further line of a message). Any other line is an entry of its own: the server writes
 * csvlog/jsonlog lines into the stderr file while their own file is not open yet (around a reload), and those
 * must not be glued onto the entry before them. DETAIL/HINT/CONTEXT/STATEMENT/QUERY lines from the same process are folded into the
 * entry they explain instead of becoming entries of their own.
 */
public final class StderrEntryReader implements LogEntryReader {

  private static final Map<String, String> SECONDARY = Map.of("DETAIL", "detail", "HINT", "hint",
      "CONTEXT", "context", "STATEMENT", "statement", "QUERY", "internal_query", "LOCATION", "location");

  private final Pattern pattern;
  private final int maxEntryBytes;
  private JsonObject pending;
  private long pendingOffset = -1;
  private String appendTo = "message";

  public StderrEntryReader(String logLinePrefix, int maxEntryBytes) {
    this.pattern = LinePrefixPattern.compile(logLinePrefix);
    this.maxEntryBytes = maxEntryBytes;
  }

  @Override
  public void accept(LogLine line, List<JsonObject> out) {
    Matcher m = pattern.matcher(line.text());
    if (!m.matches()) {
      if (line.text().startsWith("\t") || line.text().isEmpty()) {
        continuation(line.text());
      } else {
        flush(out);
        JsonObject unparsed = new JsonObject().put("format", "stderr").put("unparsed", true);
        EntryText.put(unparsed, "message", line.text(), maxEntryBytes);
        out.add(unparsed);
      }
      return;
    }
    String level = m.group("level");
    String field = SECONDARY.get(level);
    if (field != null && pending != null && samePid(m)) {
      appendTo = field;
      EntryText.put(pending, field, m.group("msg"), maxEntryBytes);
      return;
    }
    flush(out);
    pending = start(m, level);
    pendingOffset = line.offset();
    appendTo = "message";
  }

  @Override
  public void flush(List<JsonObject> out) {
    if (pending != null) {
      out.add(pending);
    }
    pending = null;
    pendingOffset = -1;
  }

  @Override
  public long pendingOffset() {
    return pendingOffset;
  }

  private void continuation(String text) {
    if (pending == null) {
      return; // the tail of an entry that started before our offset: nothing to attach it to
    }
    EntryText.append(pending, appendTo, text.startsWith("\t") ? text.substring(1) : text, maxEntryBytes);
  }

  private boolean samePid(Matcher m) {
    String pid = optional(m, "pid");
    return pid == null || pid.equals(String.valueOf(pending.getInteger("pid")));
  }

  private JsonObject start(Matcher m, String level) {
    JsonObject entry = new JsonObject().put("format", "stderr");
    String ts = optional(m, "ts");
    if (ts != null) {
      int zone = ts.indexOf(' ', 11);
      entry.put("timestamp", zone > 0 ? ts.substring(0, zone) : ts);
      entry.put("timezone", zone > 0 ? ts.substring(zone + 1) : null);
    }
    String pid = optional(m, "pid");
    entry.put("pid", pid == null ? null : Integer.valueOf(pid));
    entry.put("level", level);
    EntryText.put(entry, "message", m.group("msg"), maxEntryBytes);
    putIfPresent(entry, "user", optional(m, "user"));
    putIfPresent(entry, "database", optional(m, "db"));
    putIfPresent(entry, "application_name", optional(m, "app"));
    putIfPresent(entry, "sql_state", optional(m, "state"));
    return entry;
  }

  private static void putIfPresent(JsonObject entry, String key, String value) {
    if (value != null && !value.isEmpty() && !value.equals("[unknown]")) {
      entry.put(key, value);
    }
  }

  private static String optional(Matcher m, String group) {
    try {
      return m.group(group);
    } catch (IllegalArgumentException e) {
      return null; // this prefix has no such escape
    }
  }
}
