package com.bitville.apm.listener.tools.simulate;

import io.vertx.core.json.JsonObject;

/**
 * One injected incident: its kind, its event-time window and its true culprit, named as it appears in the
 * analysis API: {@code list} is the analysis list it belongs to, {@code key} the field of that list's items,
 * {@code value} the culprit's value of that field, {@code mention} a text the plain-language summary must contain.
 */
public record Incident(Kind kind, long fromMs, long toMs, String list, String key, String value, String mention) {

  /** The incident kinds the generator can inject. */
  public enum Kind {
    SLOW_FUNCTION, N_PLUS_ONE, LOCK_PILEUP, MISSING_INDEX, HOST_CPU, CRAWLER
  }

  boolean covers(long timeMs) {
    return timeMs >= fromMs && timeMs < toMs;
  }

  public JsonObject toJson() {
    return new JsonObject().put("kind", kind.name().toLowerCase(java.util.Locale.ROOT)).put("from_ms", fromMs)
        .put("to_ms", toMs).put("culprit", new JsonObject().put("list", list).put("key", key).put("value", value)
            .put("mention", mention));
  }

  public static Incident fromJson(JsonObject json) {
    JsonObject culprit = json.getJsonObject("culprit");
    return new Incident(Kind.valueOf(json.getString("kind").toUpperCase(java.util.Locale.ROOT)),
        json.getLong("from_ms"), json.getLong("to_ms"), culprit.getString("list"), culprit.getString("key"),
        culprit.getString("value"), culprit.getString("mention"));
  }
}
