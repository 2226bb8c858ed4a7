package com.bitville.apm.listener.pipeline;

import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.normalize.InvalidPayloadException;
import com.bitville.apm.shared.normalize.BodyParser;
import com.bitville.apm.shared.pg.PostgresEnvelopeNormalizer;
import com.bitville.apm.shared.php.PhpPayloadNormalizer;
import com.bitville.apm.shared.php.SqlSecretRedactor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Body bytes to validated records: parse, then normalize each item; bad items are reported by index. */
public final class IngestPipeline {

  /** Which normalizer an endpoint uses. */
  public enum Kind { PHP, POSTGRES }

  /** Valid records ready to store, and the items that were refused with their reason. */
  public record Outcome(List<IngestRecord> records, JsonArray rejected, boolean single) {
  }

  private final BodyParser parser;
  private final SqlSecretRedactor redactor;
  private final EventTimeWindow timeWindow;

  /**
   * @param redactor applied to every PHP payload before it is stored; null for none
   * @param timeWindow the plausible agent timestamps; an item outside it is rejected with its path
   */
  public IngestPipeline(int maxDepth, int maxItems, SqlSecretRedactor redactor, EventTimeWindow timeWindow) {
    this.parser = new BodyParser(maxDepth, maxItems);
    this.redactor = redactor;
    this.timeWindow = timeWindow;
  }

  /** @throws InvalidPayloadException when the body as a whole cannot be used */
  public Outcome process(byte[] body, boolean ndjson, Kind kind, String project, long receivedAtMs) {
    List<BodyParser.Item> items = kind == Kind.PHP ? parser.parsePhp(body, ndjson) : parser.parse(body, ndjson);
    return normalizeAll(body, items, ndjson, item -> kind, project, receivedAtMs);
  }

  /**
   * Like {@link #process} for channels without an endpoint per kind (UDP): each item is a Postgres envelope
   * when it has a {@code source} field, a PHP payload otherwise (wire protocol section 4).
   */
  public Outcome processByShape(byte[] body, String project, long receivedAtMs) {
    return normalizeAll(body, parser.parse(body, false), false,
        item -> item.object().containsKey("source") ? Kind.POSTGRES : Kind.PHP, project, receivedAtMs);
  }

  private Outcome normalizeAll(byte[] body, List<BodyParser.Item> items, boolean ndjson,
      Function<BodyParser.Item, Kind> kindOf, String project, long receivedAtMs) {
    boolean single = items.size() == 1 && !ndjson && firstNonSpace(body) == '{';
    List<IngestRecord> records = new ArrayList<>(items.size());
    JsonArray rejected = new JsonArray();
    for (BodyParser.Item item : items) {
      String path = single ? "$" : "$[" + item.index() + "]";
      if (item.error() != null) {
        rejected.add(rejection(item.index(), item.error()));
        continue;
      }
      try {
        records.add(normalize(kindOf.apply(item), item, project, receivedAtMs, path));
      } catch (InvalidPayloadException e) {
        rejected.add(rejection(item.index(), e.getMessage()));
      }
    }
    return new Outcome(records, rejected, single);
  }

  private IngestRecord normalize(Kind kind, BodyParser.Item item, String project, long now, String path) {
    IngestRecord record = kind == Kind.PHP
        ? PhpPayloadNormalizer.normalize(item.object(), redacted(item), project, now, path)
        : PostgresEnvelopeNormalizer.normalize(item.object(), item.rawJson(), project, now, path);
    timeWindow.check(record, now, path);
    return record;
  }

  private byte[] redacted(BodyParser.Item item) {
    if (redactor == null) {
      return item.rawJson();
    }
    byte[] raw = item.rawJson() != null ? item.rawJson()
        : item.object().encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return redactor.redact(raw);
  }

  private static JsonObject rejection(int index, String error) {
    return new JsonObject().put("index", index).put("error", error);
  }

  private static int firstNonSpace(byte[] body) {
    for (byte b : body) {
      if (!Character.isWhitespace(b)) {
        return b;
      }
    }
    return -1;
  }
}
