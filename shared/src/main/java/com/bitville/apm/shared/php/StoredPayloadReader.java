package com.bitville.apm.shared.php;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Reads a stored PHP payload into the same sparse tree as {@link PhpSparseReader} builds with a
 * {@link PhpSparseReader.Spec} (kept scalars, descended containers, placeholders for the rest), without checking its syntax again: the bytes
 * passed ingest's strict parse before they were stored. Skipped values (the statements' stacks are most of a
 * payload) are only scanned for their end: strings for their closing quote, containers by counting brackets, no
 * token or field name is built. Bytes that are not what ingest stores (a damaged file) end in an
 * {@link UncheckedIOException}, never a loop: every step moves forward and every read is bounds-checked.
 */
final class StoredPayloadReader {


  private final byte[] json;
  private int at;

  private StoredPayloadReader(byte[] json) {
    this.json = json;
  }

  /** @throws UncheckedIOException when the bytes are not one JSON object of the stored shape */
  static JsonObject read(byte[] json, PhpSparseReader.Spec spec) {
    StoredPayloadReader reader = new StoredPayloadReader(json);
    try {
      reader.skipWhitespace();
      if (reader.peek() != '{') {
        throw reader.malformed("a PHP payload is a JSON object");
      }
      return reader.object(spec);
    } catch (IndexOutOfBoundsException | NumberFormatException e) {
      throw new UncheckedIOException(new IOException("damaged stored payload near byte " + reader.at, e));
    }
  }

  private JsonObject object(PhpSparseReader.Spec spec) {
    at++;
    JsonObject result = new JsonObject();
    if (nextIs('}')) {
      return result;
    }
    do {
      skipWhitespace();
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      byte first = peek();
      if (first == '{') {
        PhpSparseReader.Spec child = spec.objectSpec(key);
        result.put(key, child != null ? object(child) : skippedObject());
      } else if (first == '[') {
        PhpSparseReader.Spec items = spec.arraySpec(key);
        result.put(key, items != null ? arrayOfObjects(items) : skippedArray());
      } else if (spec.keepsScalar(key)) {
        result.put(key, scalar());
      } else {
        skipScalar();
      }
    } while (nextIs(','));
    expect('}');
    return result;
  }

  private JsonArray arrayOfObjects(PhpSparseReader.Spec spec) {
    at++;
    JsonArray result = new JsonArray();
    if (nextIs(']')) {
      return result;
    }
    do {
      skipWhitespace();
      if (peek() == '{') {
        result.add(object(spec));
      } else {
        skipValue();
        result.addNull();
      }
    } while (nextIs(','));
    expect(']');
    return result;
  }

  private JsonObject skippedObject() {
    at++;
    if (nextIs('}')) {
      return PhpSparseReader.placeholderObject(true);
    }
    skipContainerRest();
    return PhpSparseReader.placeholderObject(false);
  }

  private JsonArray skippedArray() {
    at++;
    if (nextIs(']')) {
      return PhpSparseReader.placeholderArray(true);
    }
    skipContainerRest();
    return PhpSparseReader.placeholderArray(false);
  }

  /** Skips whitespace; consumes {@code expected} if it comes next. */
  private boolean nextIs(char expected) {
    skipWhitespace();
    if (peek() == expected) {
      at++;
      return true;
    }
    return false;
  }

  private void expect(char expected) {
    skipWhitespace();
    if (peek() != expected) {
      throw malformed("expected '" + expected + "'");
    }
    at++;
  }

  private void skipValue() {
    byte first = peek();
    if (first == '{' || first == '[') {
      at++;
      skipContainerRest();
    } else {
      skipScalar();
    }
  }

  /** From inside a container to just after its closing bracket; nesting is counted, strings are skipped whole. */
  private void skipContainerRest() {
    int depth = 1;
    while (depth > 0) {
      byte b = json[at];
      if (b == '"') {
        skipString();
        continue;
      }
      if (b == '{' || b == '[') {
        depth++;
      } else if (b == '}' || b == ']') {
        depth--;
      }
      at++;
    }
  }

  private void skipScalar() {
    if (peek() == '"') {
      skipString();
      return;
    }
    int start = at;
    while (at < json.length && !endsScalar(json[at])) {
      at++;
    }
    if (at == start) {
      throw malformed("expected a value");
    }
  }

  private static boolean endsScalar(byte b) {
    return b == ',' || b == '}' || b == ']' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  /** Moves past a string (at its opening quote); its content is only looked at for escapes and its end. */
  private void skipString() {
    int i = at + 1;
    while (json[i] != '"') {
      i += json[i] == '\\' ? 2 : 1;
    }
    at = i + 1;
  }

  private int nextQuoteOrBackslash(int from) {
    int i = from;
    while (json[i] != '"' && json[i] != '\\') {
      i++;
    }
    return i;
  }

  private Object scalar() {
    byte first = peek();
    if (first == '"') {
      return string();
    }
    int start = at;
    skipScalar();
    return switch (first) {
      case 't' -> literal(start, "true", Boolean.TRUE);
      case 'f' -> literal(start, "false", Boolean.FALSE);
      case 'n' -> literal(start, "null", null);
      default -> number(start, at);
    };
  }

  private Object literal(int start, String expected, Object value) {
    if (at - start != expected.length() || !expected.equals(ascii(start, at))) {
      throw malformed("expected " + expected);
    }
    return value;
  }

  /** The number types Jackson gives: Integer, Long or BigInteger by size for integers, Double otherwise. */
  private Number number(int start, int end) {
    boolean negative = json[start] == '-';
    int digits = negative ? start + 1 : start;
    if (end - digits > 0 && end - digits <= 18) {
      long value = 0;
      int i = digits;
      for (; i < end && json[i] >= '0' && json[i] <= '9'; i++) {
        value = value * 10 + (json[i] - '0');
      }
      if (i == end) {
        value = negative ? -value : value;
        return value == (int) value ? (Number) (int) value : (Number) value;
      }
    }
    String literal = ascii(start, end);
    if (literal.indexOf('.') >= 0 || literal.indexOf('e') >= 0 || literal.indexOf('E') >= 0) {
      return Double.valueOf(literal);
    }
    BigInteger value = new BigInteger(literal);
    return value.bitLength() < Long.SIZE ? (Number) value.longValue() : value;
  }

  private String ascii(int start, int end) {
    return new String(json, start, end - start, StandardCharsets.US_ASCII);
  }

  /** Decodes a string (at its opening quote): UTF-8 as stored, JSON escapes resolved. */
  private String string() {
    if (peek() != '"') {
      throw malformed("expected a string");
    }
    int start = at + 1;
    int end = nextQuoteOrBackslash(start);
    if (json[end] == '"') {
      at = end + 1;
      return new String(json, start, end - start, StandardCharsets.UTF_8);
    }
    return escapedString(start, end);
  }

  /**
   * The bytes with escapes replaced, then decoded once; unicode escapes (rare in what PHP stores) go through
   * chars, since a surrogate pair is two of them.
   */
  private String escapedString(int start, int firstEscape) {
    byte[] out = new byte[64];
    int length = 0;
    int segment = start;
    int i = firstEscape;
    while (json[i] != '"') {
      byte escaped = json[i + 1];
      if (escaped == 'u') {
        return unicodeEscapedString(start);
      }
      int copy = i - segment;
      if (length + copy + 1 > out.length) {
        out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, length + copy + 1));
      }
      System.arraycopy(json, segment, out, length, copy);
      length += copy;
      out[length++] = switch (escaped) {
        case 'b' -> '\b';
        case 'f' -> '\f';
        case 'n' -> '\n';
        case 'r' -> '\r';
        case 't' -> '\t';
        default -> escaped;
      };
      segment = i + 2;
      i = nextQuoteOrBackslash(segment);
    }
    int copy = i - segment;
    out = java.util.Arrays.copyOf(out, length + copy);
    System.arraycopy(json, segment, out, length, copy);
    at = i + 1;
    return new String(out, StandardCharsets.UTF_8);
  }

  private String unicodeEscapedString(int start) {
    StringBuilder text = new StringBuilder();
    int segment = start;
    int i = start;
    while (json[i] != '"') {
      if (json[i] != '\\') {
        i++;
        continue;
      }
      text.append(new String(json, segment, i - segment, StandardCharsets.UTF_8));
      byte escaped = json[i + 1];
      i += 2;
      switch (escaped) {
        case 'b' -> text.append('\b');
        case 'f' -> text.append('\f');
        case 'n' -> text.append('\n');
        case 'r' -> text.append('\r');
        case 't' -> text.append('\t');
        case 'u' -> {
          text.append((char) Integer.parseInt(new String(json, i, 4, StandardCharsets.US_ASCII), 16));
          i += 4;
        }
        default -> text.append((char) escaped);
      }
      segment = i;
    }
    text.append(new String(json, segment, i - segment, StandardCharsets.UTF_8));
    at = i + 1;
    return text.toString();
  }

  private void skipWhitespace() {
    while (at < json.length && (json[at] == ' ' || json[at] == '\n' || json[at] == '\r' || json[at] == '\t')) {
      at++;
    }
  }

  private byte peek() {
    if (at >= json.length) {
      throw malformed("unexpected end of the payload");
    }
    return json[at];
  }

  private UncheckedIOException malformed(String what) {
    return new UncheckedIOException(new IOException("damaged stored payload: " + what + " at byte " + at));
  }
}
