package com.bitville.apm.shared.normalize;

import com.bitville.apm.shared.php.PhpPayloadNormalizer;
import com.bitville.apm.shared.php.PhpSparseReader;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parses an ingest body (one JSON object, a JSON array of objects, or NDJSON) into items, straight from the
 * received bytes: Jackson's UTF-8 parser validates the encoding as it goes and its stream constraints bound
 * the nesting depth before a deep tree is built. Liberal elsewhere: an item that is not an object is reported
 * by index and does not spoil its neighbours.
 */
public final class BodyParser {

  /**
   * One parsed item: either an object or the reason it was rejected. {@code rawJson} holds the item's bytes as
   * sent when the body holds it whole (single object, NDJSON line), so it can be stored without re-encoding.
   */
  public record Item(int index, JsonObject object, String error, byte[] rawJson) {

    Item(int index, JsonObject object, String error) {
      this(index, object, error, null);
    }
  }

  private static final String NESTING_PREFIX = "JSON nesting deeper than ";

  private final JsonFactory factory;
  private final int maxDepth;
  private final int maxItems;

  public BodyParser(int maxDepth, int maxItems) {
    this.maxDepth = maxDepth;
    this.maxItems = maxItems;
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
        .build();
  }

  /** The message for a body without a single item ({@code []}, or NDJSON of blank lines). */
  public static final String NO_ITEMS = "body has no items";

  /** @throws InvalidPayloadException when the body as a whole is unusable */
  public List<Item> parse(byte[] body, boolean ndjson) {
    requireUtf8(body);
    return ndjson ? parseNdjson(body, false) : parseJson(body, false);
  }

  /**
   * Like {@link #parse} for PHP payloads: an object that is the whole body or an NDJSON line is read as the
   * sparse tree {@link PhpPayloadNormalizer} needs (see {@link PhpSparseReader}); its {@code rawJson} keeps the
   * bytes as sent. Items of a JSON array, which have no bytes of their own, are read whole.
   */
  public List<Item> parsePhp(byte[] body, boolean ndjson) {
    requireUtf8(body);
    return ndjson ? parseNdjson(body, true) : parseJson(body, true);
  }

  private static void requireUtf8(byte[] body) {
    int invalid = Utf8.firstInvalid(body, 0, body.length);
    if (invalid >= 0) {
      throw new InvalidPayloadException("body is not valid UTF-8 (byte offset " + invalid + ")");
    }
  }

  private List<Item> parseJson(byte[] body, boolean sparse) {
    int start = skipSpace(body, 0, body.length);
    int end = trimEnd(body, start, body.length);
    if (start >= end) {
      throw new InvalidPayloadException("body is empty");
    }
    if (body[start] == '[') {
      JsonArray array = decode(body, start, end, JsonArray.class);
      if (array.isEmpty()) {
        throw new InvalidPayloadException(NO_ITEMS);
      }
      checkCount(array.size());
      List<Item> items = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        items.add(asItem(i, array.getValue(i), "$[" + i + "]"));
      }
      return items;
    }
    if (body[start] == '{') {
      JsonObject object = sparse ? decodeSparse(body, start, end) : decode(body, start, end, JsonObject.class);
      return List.of(new Item(0, object, null, slice(body, start, end)));
    }
    throw new InvalidPayloadException("body must be a JSON object, a JSON array of objects, or NDJSON");
  }

  private List<Item> parseNdjson(byte[] body, boolean sparse) {
    List<Item> items = new ArrayList<>();
    int lineNo = 0;
    for (int from = 0; from < body.length; ) {
      int newline = indexOf(body, (byte) '\n', from);
      int to = newline < 0 ? body.length : newline;
      lineNo++;
      int start = skipSpace(body, from, to);
      int end = trimEnd(body, start, to);
      if (start < end) {
        checkCount(items.size() + 1);
        items.add(ndjsonItem(body, start, end, items.size(), lineNo, sparse));
      }
      from = to + 1;
    }
    if (items.isEmpty()) {
      throw new InvalidPayloadException(NO_ITEMS);
    }
    return items;
  }

  private Item ndjsonItem(byte[] body, int start, int end, int index, int lineNo, boolean sparse) {
    if (body[start] != '{') {
      return new Item(index, null, "line " + lineNo + " is not a JSON object");
    }
    try {
      JsonObject object = sparse ? decodeSparse(body, start, end) : decode(body, start, end, JsonObject.class);
      return new Item(index, object, null, slice(body, start, end));
    } catch (InvalidPayloadException e) {
      if (e.getMessage().startsWith(NESTING_PREFIX) || e.getMessage().contains("UTF-8")) {
        throw e;
      }
      return new Item(index, null, "line " + lineNo + " is not a JSON object: " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private <T> T decode(byte[] body, int start, int end, Class<T> type) {
    Object value;
    try (JsonParser parser = factory.createParser(body, start, end - start)) {
      value = JacksonCodec.fromParser(parser, Object.class);
    } catch (DecodeException e) {
      throw describe(e.getCause() != null ? e.getCause() : e);
    } catch (IOException e) {
      throw describe(e);
    }
    if (type.isInstance(value)) {
      return (T) value;
    }
    if (type == JsonObject.class && value instanceof java.util.Map<?, ?> map) {
      return (T) new JsonObject((java.util.Map<String, Object>) map);
    }
    if (type == JsonArray.class && value instanceof java.util.List<?> list) {
      return (T) new JsonArray((java.util.List<Object>) list);
    }
    throw new InvalidPayloadException("body is not valid JSON");
  }

  /** An object (the caller saw its opening brace) read sparsely; trailing content is refused as in decode. */
  private JsonObject decodeSparse(byte[] body, int start, int end) {
    try (JsonParser parser = factory.createParser(body, start, end - start)) {
      parser.nextToken();
      JsonObject object = PhpSparseReader.read(parser);
      if (parser.nextToken() != null) {
        throw new InvalidPayloadException("body is not valid JSON");
      }
      return object;
    } catch (IOException e) {
      throw describe(e);
    }
  }

  /** A precise message that never echoes the body: what is wrong and where. */
  private InvalidPayloadException describe(Throwable failure) {
    if (failure instanceof StreamConstraintsException constraint) {
      return new InvalidPayloadException(constraintMessage(constraint));
    }
    String message = String.valueOf(failure.getMessage());
    if (message.contains("Invalid UTF-8") || message.contains("Invalid UTF8")) {
      return new InvalidPayloadException("body is not valid UTF-8" + location(failure));
    }
    return new InvalidPayloadException("body is not valid JSON" + location(failure));
  }

  /** Names the limit that was passed; Jackson's own message names its API, which is not ours to show. */
  private String constraintMessage(StreamConstraintsException constraint) {
    String message = String.valueOf(constraint.getMessage());
    StreamReadConstraints limits = factory.streamReadConstraints();
    if (message.startsWith("Number value length")) {
      return "a JSON number longer than " + limits.getMaxNumberLength() + " characters";
    }
    if (message.startsWith("String value length")) {
      return "a JSON string longer than " + limits.getMaxStringLength() + " characters";
    }
    if (message.startsWith("Name length")) {
      return "a JSON field name longer than " + limits.getMaxNameLength() + " characters";
    }
    if (message.startsWith("Document nesting depth") || message.contains("nesting")) {
      return NESTING_PREFIX + maxDepth + " levels";
    }
    return "a JSON value exceeds the parser's limits";
  }

  private static String location(Throwable failure) {
    if (failure instanceof JsonProcessingException processing && processing.getLocation() != null) {
      JsonLocation where = processing.getLocation();
      return " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
    }
    return "";
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

  private static byte[] slice(byte[] body, int start, int end) {
    return start == 0 && end == body.length ? body : Arrays.copyOfRange(body, start, end);
  }

  private static int indexOf(byte[] body, byte wanted, int from) {
    for (int i = from; i < body.length; i++) {
      if (body[i] == wanted) {
        return i;
      }
    }
    return -1;
  }

  private static int skipSpace(byte[] body, int from, int to) {
    int i = from;
    while (i < to && isSpace(body[i])) {
      i++;
    }
    return i;
  }

  private static int trimEnd(byte[] body, int from, int to) {
    int i = to;
    while (i > from && isSpace(body[i - 1])) {
      i--;
    }
    return i;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == '\n';
  }
}
