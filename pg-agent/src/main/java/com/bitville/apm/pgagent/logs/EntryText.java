package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.JsonObject;

/** Appends continuation text to an entry field while enforcing the per-entry size cap. */
final class EntryText {

  private EntryText() {
  }

  static void append(JsonObject entry, String field, String text, int maxBytes) {
    String current = entry.getString(field, "");
    if (current.length() >= maxBytes) {
      entry.put("truncated", true);
      return;
    }
    String joined = current.isEmpty() ? text : current + "\n" + text;
    put(entry, field, joined, maxBytes);
  }

  static void put(JsonObject entry, String field, String text, int maxBytes) {
    if (text == null || text.isEmpty()) {
      return;
    }
    if (text.length() > maxBytes) {
      entry.put(field, text.substring(0, maxBytes)).put("truncated", true);
    } else {
      entry.put(field, text);
    }
  }
}
