package com.bitville.apm.shared.normalize;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses an ingest body (one JSON object, a JSON array of objects, or NDJSON) into items. Strict where
 * safety needs it (UTF-8 only, nesting depth bounded before any tree is built), liberal elsewhere: an item
 * that is not an object is reported by index and does not spoil its neighbours.
 */
public final class BodyParser {

  /**
   * One parsed item: either an object or the reason it was rejected. {@code rawJson} is the item's text as
   * sent when the body holds it whole (single object, NDJSON line), so it can be stored without re-encoding.
   */
  public record Item(int index, JsonObject object, String error, String rawJson) {

    Item(int index, JsonObject object, String error) {
      this(index, object, error, null);
    }
  }

  private static final Pattern JACKSON_LOCATION = Pattern.compile("line: (\\d+), column: (\\d+)");
  private final int maxDepth;
  private final int maxItems;

  public BodyParser(int maxDepth, int maxItems) {
    this.maxDepth = maxDepth;
    this.maxItems = maxItems;
  }

  /** @throws InvalidPayloadException when the body as a whole is unusable */
  public List<Item> parse(byte[] body, boolean ndjson) {
    String text = decodeUtf8(body);
    checkDepth(text);
    return ndjson ? parseNdjson(text) : parseJson(text);
  }

  private List<Item> parseJson(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw new InvalidPayloadException("body is empty");
    }
    if (trimmed.charAt(0) == '[') {
      JsonArray array = decode(() -> new JsonArray(trimmed));
      checkCount(array.size());
      List<Item> items = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        items.add(asItem(i, array.getValue(i), "$[" + i + "]"));
      }
      return items;
    }
    if (trimmed.charAt(0) == '{') {
      return List.of(new Item(0, decode(() -> new JsonObject(trimmed)), null, trimmed));
    }
    throw new InvalidPayloadException("body must be a JSON object, a JSON array of objects, or NDJSON");
  }

  private List<Item> parseNdjson(String text) {
    List<Item> items = new ArrayList<>();
    String[] lines = text.split("\r?\n");
    for (int lineNo = 0; lineNo < lines.length; lineNo++) {
      String line = lines[lineNo].strip();
      if (line.isEmpty()) {
        continue;
      }
      checkCount(items.size() + 1);
      int index = items.size();
      try {
        items.add(new Item(index, new JsonObject(line), null, line));
      } catch (DecodeException | ClassCastException e) {
        items.add(new Item(index, null, "line " + (lineNo + 1) + " is not a JSON object" + location(e)));
      }
    }
    if (items.isEmpty()) {
      throw new InvalidPayloadException("body is empty");
    }
    return items;
  }

  private static Item asItem(int index, Object value, String path) {
    if (value instanceof JsonObject object) {
      return new Item(index, object, null);
    }
    return new Item(index, null, path + " must be an object");
  }

  private void checkCount(int count) {
    if (count > maxItems) {
      throw new InvalidPayloadException("body has more than " + maxItems + " items");
    }
  }

  private static String decodeUtf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidPayloadException("body is not valid UTF-8");
    }
  }

  /** Counts bracket depth outside strings, so a hostile body is refused before a deep tree is built. */
  private void checkDepth(String text) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > maxDepth) {
          throw new InvalidPayloadException("JSON nesting deeper than " + maxDepth + " levels");
        }
      } else if (c == '}' || c == ']') {
        depth--;
      } else if (c == '\n') {
        depth = Math.max(depth, 0);
      }
    }
  }

  private static <T> T decode(java.util.function.Supplier<T> decoder) {
    try {
      return decoder.get();
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidPayloadException("body is not valid JSON" + location(e));
    }
  }

  private static String location(RuntimeException e) {
    Matcher matcher = JACKSON_LOCATION.matcher(String.valueOf(e.getMessage()));
    return matcher.find() ? " (line " + matcher.group(1) + ", column " + matcher.group(2) + ")" : "";
  }
}
