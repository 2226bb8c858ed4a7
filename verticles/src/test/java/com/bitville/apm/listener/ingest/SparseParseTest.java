package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.normalize.BodyParser;
import com.bitville.apm.shared.normalize.InvalidPayloadException;
import com.bitville.apm.shared.php.PhpFields;
import com.bitville.apm.shared.php.PhpPayloadNormalizer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The sparse read of PHP payloads must be invisible: for real payloads, for every wrong type at every path the
 * normalizer checks and for broken syntax, it answers exactly what reading the full tree answers.
 */
class SparseParseTest {

  private static final BodyParser PARSER = new BodyParser(64, 1000);
  private static final List<String> FIXTURES = List.of("wire/slow_get.json", "wire/slow_post.json",
      "wire/fatal.json", "wire/nosql_noxhprof.json", "legacy-listener-schema.json", "socket/slow_get.json",
      "disk-buffer/profile_20261123_181705_dcf29f93.json", "disk-buffer/profile_20261123_181709_f310c173.json");
  /** Every path ingest reads, from the one list the sparse reader is built from. */
  private static final List<String> PATHS = PhpFields.valuePaths();
  private static final List<Object> VALUES = Arrays.asList("text", 5, 2.5, true, null, new JsonArray(),
      new JsonArray().add(1), new JsonObject(), new JsonObject().put("k", 1),
      new JsonArray().add(new JsonObject().put("time_ms", 3)).add("x"));

  /** "ok:" + the record's columns, or "error:" + the message: what one path answers for a body. */
  private static String answer(byte[] body, boolean sparse) {
    try {
      List<BodyParser.Item> items = sparse ? PARSER.parsePhp(body, false) : PARSER.parse(body, false);
      BodyParser.Item item = items.get(0);
      IngestRecord record = PhpPayloadNormalizer.normalize(item.object(), item.rawJson(), "shop", 1L, "$");
      JsonObject columns = record.toJson();
      columns.remove("payload");
      return "ok:" + columns.encode();
    } catch (InvalidPayloadException e) {
      return "error:" + e.getMessage();
    }
  }

  private static void assertSame(byte[] body, String what) {
    String full = answer(body, false);
    assertEquals(full, answer(body, true), what);
  }

  @Test
  @DisplayName("Every real PHP payload gives the same record, and the same stored bytes")
  void fixtures() {
    for (String name : FIXTURES) {
      byte[] body = Fixtures.php(name).getBytes();
      assertTrue(answer(body, true).startsWith("ok:"), name + ": " + answer(body, true));
      assertSame(body, name);
      byte[] stored = PARSER.parsePhp(body, false).get(0).rawJson();
      assertArrayEquals(PARSER.parse(body, false).get(0).rawJson(), stored, name);
    }
  }

  @Test
  @DisplayName("Every wrong type at every checked path gives the same answer")
  void wrongTypes() {
    JsonObject base = Fixtures.phpJson("wire/slow_get.json");
    int errors = 0;
    for (String path : PATHS) {
      for (Object value : VALUES) {
        JsonObject payload = base.copy();
        put(payload, path, value);
        String full = answer(payload.toBuffer().getBytes(), false);
        errors += full.startsWith("error:") ? 1 : 0;
        assertEquals(full, answer(payload.toBuffer().getBytes(), true), path + " = " + value);
      }
    }
    assertTrue(errors > 50, "the mutations must reach the checks: " + errors);
  }

  @Test
  @DisplayName("Broken syntax, invalid UTF-8 and deep nesting inside skipped parts give the same message")
  void brokenBodies() {
    String slowGet = Fixtures.php("wire/slow_get.json").toString();
    List<byte[]> bodies = new ArrayList<>();
    bodies.add(slowGet.substring(0, slowGet.length() / 2).getBytes(StandardCharsets.UTF_8));
    bodies.add((slowGet.trim() + " {}").getBytes(StandardCharsets.UTF_8));
    bodies.add((slowGet.trim() + " x").getBytes(StandardCharsets.UTF_8));
    bodies.add(slowGet.replaceFirst("\"stack\":\\s*\\[", "\"stack\":[}").getBytes(StandardCharsets.UTF_8));
    bodies.add(withBytes(slowGet, "\"custom_skipped\":\"", new byte[] {(byte) 0xC3, (byte) 0x28}, "\","));
    bodies.add(withBytes(slowGet, "\"custom_skipped\":[\"", new byte[] {(byte) 0xFF}, "\"],"));
    bodies.add(("{\"custom_skipped\":" + "[".repeat(100) + "]".repeat(100) + "}").getBytes(StandardCharsets.UTF_8));
    bodies.add(("{\"correlation_id\":\"x\",\"elapsed_ms\":1,\"custom\":{\"a\":[1,2,{\"b\":}]}}")
        .getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < bodies.size(); i++) {
      byte[] body = bodies.get(i);
      assertTrue(answer(body, false).startsWith("error:"), "body " + i + ": " + answer(body, false));
      assertSame(body, new String(body, 0, Math.min(80, body.length), StandardCharsets.UTF_8));
    }
  }

  private static byte[] withBytes(String payload, String before, byte[] bad, String after) {
    int brace = payload.indexOf('{') + 1;
    byte[] head = (payload.substring(0, brace) + before).getBytes(StandardCharsets.UTF_8);
    byte[] tail = (after + payload.substring(brace)).getBytes(StandardCharsets.UTF_8);
    byte[] body = Arrays.copyOf(head, head.length + bad.length + tail.length);
    System.arraycopy(bad, 0, body, head.length, bad.length);
    System.arraycopy(tail, 0, body, head.length + bad.length, tail.length);
    return body;
  }

  private static void put(JsonObject payload, String path, Object value) {
    String[] keys = path.split("\\.");
    JsonObject parent = payload;
    for (int i = 0; i < keys.length - 1; i++) {
      if (!(parent.getValue(keys[i]) instanceof JsonObject child)) {
        JsonObject created = new JsonObject();
        parent.put(keys[i], created);
        parent = created;
      } else {
        parent = child;
      }
    }
    parent.put(keys[keys.length - 1], value);
  }
}
