package com.bitville.apm.shared.pg;

import static com.bitville.apm.shared.normalize.JsonFields.cap;
import static com.bitville.apm.shared.normalize.JsonFields.lenientNumber;
import static com.bitville.apm.shared.normalize.JsonFields.lenientString;
import static com.bitville.apm.shared.normalize.JsonFields.number;
import static com.bitville.apm.shared.normalize.JsonFields.object;
import static com.bitville.apm.shared.normalize.JsonFields.string;

import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.model.RecordKind;
import com.bitville.apm.shared.normalize.CorrelationIds;
import com.bitville.apm.shared.normalize.EventTime;
import com.bitville.apm.shared.normalize.InvalidPayloadException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates a Postgres envelope of any source type and derives its columns and correlation links. */
public final class PostgresEnvelopeNormalizer {

  private static final Pattern SOURCE_NAME = Pattern.compile("[a-z0-9_.\\-]{1,64}");
  private static final Set<String> ERROR_LEVELS = Set.of("ERROR", "FATAL", "PANIC");

  private PostgresEnvelopeNormalizer() {
  }

  public static IngestRecord normalize(JsonObject envelope, String project, long receivedAtMs, String path) {
    return normalize(envelope, null, project, receivedAtMs, path);
  }

  /** @param rawJson the envelope's UTF-8 bytes exactly as received, when available: stored as-is */
  public static IngestRecord normalize(JsonObject envelope, byte[] rawJson, String project, long receivedAtMs,
      String path) {
    String source = source(envelope, path);
    JsonObject data = object(envelope, "data", path + ".data");
    Double timestamp = number(envelope, "timestamp", path + ".timestamp");
    String ownId = string(envelope, "correlation_id", path + ".correlation_id");
    List<String> links = links(source, ownId, data);
    boolean errors = PgSources.LOG.equals(source) && hasErrorEntries(data);
    return new IngestRecord(
        project,
        RecordKind.POSTGRES,
        source,
        links.size() == 1 ? links.get(0) : null,
        timestamp == null ? receivedAtMs : EventTime.toMillis(timestamp, path + ".timestamp"),
        receivedAtMs,
        timestamp == null,
        null,
        null,
        null,
        null,
        null,
        cap(lenientString(envelope, "host"), 255),
        null,
        null,
        null,
        errors,
        summary(source, data, project),
        rawJson != null ? PayloadCodec.compress(rawJson) : PayloadCodec.compress(envelope.encode()),
        links);
  }

  /**
   * Every request the record refers to. A record naming several has no single own id (it is linked to all of them).
   * Statement statistics are aggregates over every caller: an id in their text is only the first caller's, so they
   * are linked to none.
   */
  private static List<String> links(String source, String ownId, JsonObject data) {
    List<String> links = new ArrayList<>();
    if (PgSources.STATEMENTS.equals(source)) {
      return links;
    }
    if (CorrelationIds.isLinkable(ownId)) {
      links.add(ownId.toLowerCase(Locale.ROOT));
    }
    CorrelationIds.findAll(data).stream().filter(id -> !links.contains(id)).forEach(links::add);
    return links;
  }

  private static String source(JsonObject envelope, String path) {
    String source = string(envelope, "source", path + ".source");
    if (source == null || source.isBlank()) {
      throw new InvalidPayloadException(path + ".source is required");
    }
    if (!SOURCE_NAME.matcher(source).matches()) {
      throw new InvalidPayloadException(path + ".source must match [a-z0-9_.-]{1,64}");
    }
    return source;
  }

  private static boolean hasErrorEntries(JsonObject data) {
    if (!(data.getValue(PgSources.itemsKey(PgSources.LOG)) instanceof JsonArray entries)) {
      return false;
    }
    for (Object entry : entries) {
      if (entry instanceof JsonObject line && line.getValue("level") instanceof String level
          && ERROR_LEVELS.contains(level.toUpperCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static String summary(String source, JsonObject data, String project) {
    String what = switch (source) {
      case PgSources.ACTIVITY -> "pg sessions: " + count(data, PgSources.itemsKey(source)) + " active";
      case PgSources.LOCKS -> "pg locks: " + count(data, PgSources.itemsKey(source)) + " blocked";
      case PgSources.STATEMENTS -> "pg statements: " + count(data, PgSources.itemsKey(source)) + " changed"
          + (data.getValue("stats_reset") instanceof String ? ", statistics reset" : "");
      case PgSources.LOG -> "pg log: " + count(data, PgSources.itemsKey(source)) + " entries";
      case PgSources.SYSTEM_METRICS -> "host metrics: cpu " + cpu(data) + "%";
      case PgSources.AGENT -> "pg-agent: " + (data.getValue("state") instanceof String state ? state : "?")
          + (data.getValue("reason") instanceof String reason ? " (" + cap(reason, 200) + ")" : "");
      default -> "pg " + source;
    };
    return what + " [" + project + "]";
  }

  private static int count(JsonObject data, String arrayKey) {
    if (data.getValue(arrayKey) instanceof JsonArray array) {
      return array.size();
    }
    Double count = lenientNumber(data, "count");
    return count == null ? 0 : count.intValue();
  }

  private static String cpu(JsonObject data) {
    Double percent = data.getValue("cpu") instanceof JsonObject cpu ? lenientNumber(cpu, "percent") : null;
    return percent == null ? "?" : String.valueOf(Math.round(percent));
  }
}
