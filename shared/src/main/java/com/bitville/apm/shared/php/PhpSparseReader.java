package com.bitville.apm.shared.php;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a PHP payload object into a sparse tree: only the parts ingest reads ({@link PhpFields}) are built;
 * every other container (stack traces, headers, XHProf data, SQL texts) is skipped by the parser and stands in
 * the tree as an empty or one-element placeholder of the same type, so type and emptiness
 * checks answer exactly as on the full tree. Skipped values are still tokenized: syntax, UTF-8 and the
 * nesting limit are checked over the whole body. Building the full tree was about half of the ingest event
 * loops' CPU (docs/BENCHMARKS.md); the stored payload is always the bytes as received.
 */
public final class PhpSparseReader {

  /** What to build of one object: its scalars (all, or only some keys), and which containers to descend. */
  record Spec(Set<String> scalarKeys, Map<String, Spec> objects, Map<String, Spec> arraysOf) {

    boolean keepsScalar(String key) {
      return scalarKeys == null || scalarKeys.contains(key);
    }

    /** How to read the object under {@code key}; null when it is skipped. */
    Spec objectSpec(String key) {
      return objects.getOrDefault(key, objects.get(ANY_KEY));
    }

    /** How to read the items of the array under {@code key}; null when it is skipped. */
    Spec arraySpec(String key) {
      return arraysOf.get(key);
    }
  }

  private static final Spec PAYLOAD = specOf(PhpFields.READ_AT_INGEST);
  static final Spec PROFILE = specOf(PhpFields.READ_FOR_PROFILE);
  private static final String PLACEHOLDER_KEY = "";
  private static final String ANY_KEY = "*";

  private PhpSparseReader() {
  }

  /** @param parser positioned on the payload's START_OBJECT; left on its END_OBJECT */
  public static JsonObject read(JsonParser parser) throws IOException {
    return object(parser, PAYLOAD);
  }

  /**
   * A stored PHP payload (UTF-8 bytes as received, after ingest's strict parse) with only what
   * {@link PhpProfile#of} reads built: the same tree this reader builds with the profile's paths, for a fraction
   * of the CPU (each statement's stack is skipped without tokenizing, see {@link StoredPayloadReader}).
   * @throws java.io.UncheckedIOException when the bytes are not one JSON object
   */
  public static JsonObject readProfile(byte[] json) {
    return StoredPayloadReader.read(json, PROFILE);
  }

  /** Every proper prefix of a path is a container to build; array items keep only the keys listed under them. */
  static Spec specOf(List<String> paths) {
    Node root = new Node();
    for (String path : paths) {
      Node node = root;
      String[] segments = path.split("\\.");
      for (int i = 0; i < segments.length - 1; i++) {
        String segment = segments[i];
        node = segment.endsWith("[]")
            ? node.arrays.computeIfAbsent(segment.substring(0, segment.length() - 2), k -> Node.items())
            : node.objects.computeIfAbsent(segment, k -> new Node());
      }
      if (node.itemKeys != null) {
        node.itemKeys.add(segments[segments.length - 1]);
      }
    }
    return root.toSpec();
  }

  /** A container being derived: objects keep all their scalars, array items only {@code itemKeys}. */
  private static final class Node {
    final Map<String, Node> objects = new LinkedHashMap<>();
    final Map<String, Node> arrays = new LinkedHashMap<>();
    Set<String> itemKeys;

    static Node items() {
      Node node = new Node();
      node.itemKeys = new LinkedHashSet<>();
      return node;
    }

    Spec toSpec() {
      Map<String, Spec> objectSpecs = new LinkedHashMap<>();
      objects.forEach((key, child) -> objectSpecs.put(key, child.toSpec()));
      Map<String, Spec> arraySpecs = new LinkedHashMap<>();
      arrays.forEach((key, child) -> arraySpecs.put(key, child.toSpec()));
      return new Spec(itemKeys == null ? null : Set.copyOf(itemKeys), Map.copyOf(objectSpecs),
          Map.copyOf(arraySpecs));
    }
  }

  static JsonObject object(JsonParser parser, Spec spec) throws IOException {
    JsonObject result = new JsonObject();
    for (JsonToken token = next(parser); token != JsonToken.END_OBJECT; token = next(parser)) {
      String key = parser.currentName();
      JsonToken value = next(parser);
      if (value == JsonToken.START_OBJECT) {
        Spec child = spec.objectSpec(key);
        result.put(key, child != null ? object(parser, child) : skippedObject(parser));
      } else if (value == JsonToken.START_ARRAY) {
        Spec items = spec.arraySpec(key);
        result.put(key, items != null ? arrayOfObjects(parser, items) : skippedArray(parser));
      } else if (spec.keepsScalar(key)) {
        result.put(key, scalar(parser, value));
      }
    }
    return result;
  }

  /** Objects are read with {@code spec}; any other item stays as null, which no check counts as an object. */
  private static JsonArray arrayOfObjects(JsonParser parser, Spec spec) throws IOException {
    JsonArray result = new JsonArray();
    for (JsonToken token = next(parser); token != JsonToken.END_ARRAY; token = next(parser)) {
      if (token == JsonToken.START_OBJECT) {
        result.add(object(parser, spec));
      } else {
        parser.skipChildren();
        result.addNull();
      }
    }
    return result;
  }

  private static JsonObject skippedObject(JsonParser parser) throws IOException {
    if (next(parser) == JsonToken.END_OBJECT) {
      return placeholderObject(true);
    }
    skipRest(parser);
    return placeholderObject(false);
  }

  private static JsonArray skippedArray(JsonParser parser) throws IOException {
    if (next(parser) == JsonToken.END_ARRAY) {
      return placeholderArray(true);
    }
    parser.skipChildren();
    skipRest(parser);
    return placeholderArray(false);
  }

  /** What stands in the tree for a skipped object: empty if it was, else one entry, so emptiness checks hold. */
  static JsonObject placeholderObject(boolean empty) {
    return empty ? new JsonObject() : new JsonObject().put(PLACEHOLDER_KEY, true);
  }

  /** What stands in the tree for a skipped array: empty if it was, else one null item. */
  static JsonArray placeholderArray(boolean empty) {
    return empty ? new JsonArray() : new JsonArray().addNull();
  }

  /** From inside a container (after its first token, itself skipped) to that container's end token. */
  private static void skipRest(JsonParser parser) throws IOException {
    for (JsonToken token = next(parser); !token.isStructEnd(); token = next(parser)) {
      parser.skipChildren();
    }
  }

  /** Jackson reports a body that ends inside a container itself; this only guards the loops above. */
  private static JsonToken next(JsonParser parser) throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw new JsonParseException(parser, "Unexpected end-of-input");
    }
    return token;
  }

  private static Object scalar(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      default -> null;
    };
  }
}
