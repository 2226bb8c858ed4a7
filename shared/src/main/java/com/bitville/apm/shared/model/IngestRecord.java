package com.bitville.apm.shared.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated, normalized record ready to store: the derived columns the query side filters on and the
 * original payload (compressed, see {@link PayloadCodec}). A PHP request's functions and SQL statements are not
 * separate rows: they are derived from the payload when the request is read (see
 * {@link com.bitville.apm.shared.php.PhpProfile}).
 *
 * @param correlationIds every correlation id the record can be linked by (its own and those found inside
 *     pg-agent data: sessions, locks, log lines); never null
 * @param eventTimeEstimated true when the agent sent no timestamp and the receive time was used
 */
public record IngestRecord(
    String project,
    RecordKind kind,
    String source,
    String correlationId,
    long eventTimeMs,
    long receivedAtMs,
    boolean eventTimeEstimated,
    Double durationMs,
    String route,
    String url,
    String method,
    Integer status,
    String host,
    Integer sqlCount,
    Double sqlTimeMs,
    Long memoryPeakBytes,
    boolean fatal,
    String summary,
    byte[] payload,
    List<String> correlationIds) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("project", project)
        .put("kind", kind.wireName())
        .put("source", source)
        .put("correlation_id", correlationId)
        .put("event_time_ms", eventTimeMs)
        .put("received_at_ms", receivedAtMs)
        .put("event_time_estimated", eventTimeEstimated)
        .put("duration_ms", durationMs)
        .put("route", route)
        .put("url", url)
        .put("method", method)
        .put("status", status)
        .put("host", host)
        .put("sql_count", sqlCount)
        .put("sql_time_ms", sqlTimeMs)
        .put("memory_peak_bytes", memoryPeakBytes)
        .put("fatal", fatal)
        .put("summary", summary)
        .put("payload", payload);
    return json.put("correlation_ids", new JsonArray(new ArrayList<>(correlationIds)));
  }

  public static IngestRecord fromJson(JsonObject json) {
    return new IngestRecord(
        json.getString("project"),
        RecordKind.fromWireName(json.getString("kind")),
        json.getString("source"),
        json.getString("correlation_id"),
        json.getLong("event_time_ms"),
        json.getLong("received_at_ms"),
        json.getBoolean("event_time_estimated", false),
        json.getDouble("duration_ms"),
        json.getString("route"),
        json.getString("url"),
        json.getString("method"),
        json.getInteger("status"),
        json.getString("host"),
        json.getInteger("sql_count"),
        json.getDouble("sql_time_ms"),
        json.getLong("memory_peak_bytes"),
        json.getBoolean("fatal", false),
        json.getString("summary"),
        json.getBinary("payload"),
        stringList(json.getJsonArray("correlation_ids")));
  }

  private static List<String> stringList(JsonArray array) {
    List<String> list = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        list.add(array.getString(i));
      }
    }
    return list;
  }
}
