package com.bitville.apm.shared.php;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rollup's reader of stored payloads builds exactly the tree of the tokenizing sparse reader. */
class StoredPayloadReaderTest {

  private static final JsonFactory JACKSON = new JsonFactory();

  private static JsonObject tokenized(byte[] json) throws Exception {
    try (JsonParser parser = JACKSON.createParser(json)) {
      parser.nextToken();
      return PhpSparseReader.object(parser, PhpSparseReader.PROFILE);
    }
  }

  private static void assertSameTree(String json) throws Exception {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertEquals(tokenized(bytes), StoredPayloadReader.read(bytes, PhpSparseReader.PROFILE), json);
  }

  @Test
  void oddShapesEscapesNumbersAndWhitespace() throws Exception {
    assertSameTree("{}");
    assertSameTree(" {\n \"xhprof\" : { \"main()==>A::b\" : { \"ct\" : 2 , \"wt\" : -0 , \"cpu\" : 1.5e3 , \"x\" : "
        + "[ ] , \"y\" : { } , \"z\" : [ 1 , [ ] ] , \"n\" : null , \"t\" : true , \"f\" : false } } , \"sql\" : "
        + "{ \"queries\" : [ 1 , \"s\" , [ ] , { \"sql\" : \"SELECT \\\"a\\\\\\\" FROM t WHERE x = '\\u00e9\\ud83d"
        + "\\ude00\\n'\" , \"time_ms\" : 2147483648 , \"stack\" : [ { \"file\" : \"a\\\"]}.php\" } ] } ] } } ");
    assertSameTree("{\"xhprof\":{\"e\":{\"ct\":9223372036854775807,\"wt\":9223372036854775808,\"mu\":-2147483648,"
        + "\"pmu\":-2147483649,\"big\":123456789012345678901234567890,\"d\":1E400,\"s\":0.000001}},\"other\":"
        + "{\"deep\":[[[[{\"\\\\\":\"\\\\\"}]]]]},\"sql\":{\"queries\":[{\"query\":\"Größe — ünïcödé 𝄞\","
        + "\"duration_ms\":\"3\",\"sql\":{\"a\":[\"]\"]}}]}}");
  }

  @Test
  void randomPayloadsGiveTheSameTree() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 500; i++) {
      JsonObject payload = new JsonObject()
          .put("xhprof", randomObject(random, 3))
          .put("sql", new JsonObject().put("queries", randomArray(random, 3)))
          .put(randomString(random), randomValue(random, 2));
      assertSameTree(payload.encode());
    }
  }

  @Test
  void damagedBytesAreRefusedNotLoopedOver() {
    for (String damaged : new String[] {"", "[1]", "{\"a\":", "{\"a\":\"open", "{\"a\":[1,2", "{\"a\" 1}",
        "{\"xhprof\":{\"e\":{\"ct\":tru}}}", "{\"xhprof\":{\"e\":{\"ct\":-}}}", "{\"sql\":{\"queries\":[{\"sql\":"
        + "\"\\u12\"}]}}", "{\"sql\":{\"queries\":[{\"sql\":\"x\"}"}) {
      assertThrows(UncheckedIOException.class,
          () -> StoredPayloadReader.read(damaged.getBytes(StandardCharsets.UTF_8), PhpSparseReader.PROFILE), damaged);
    }
  }

  private static Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 0 ? 9 : 7);
    return switch (kind) {
      case 0 -> randomString(random);
      case 1 -> random.nextInt();
      case 2 -> random.nextLong();
      case 3 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
      case 4 -> random.nextBoolean();
      case 5 -> null;
      case 6 -> new BigInteger(80, random);
      case 7 -> randomObject(random, depth - 1);
      default -> randomArray(random, depth - 1);
    };
  }

  private static JsonObject randomObject(Random random, int depth) {
    JsonObject object = new JsonObject();
    for (int i = random.nextInt(5); i > 0; i--) {
      object.put(random.nextInt(3) == 0 ? "ct" : random.nextInt(3) == 0 ? "sql" : randomString(random),
          randomValue(random, depth));
    }
    return object;
  }

  private static JsonArray randomArray(Random random, int depth) {
    JsonArray array = new JsonArray();
    for (int i = random.nextInt(5); i > 0; i--) {
      array.add(random.nextBoolean() ? randomObject(random, depth) : randomValue(random, depth));
    }
    return array;
  }

  private static String randomString(Random random) {
    String alphabet = "ab\"\\/\n\t\u0001é€𝄞]}{[,: ";
    StringBuilder text = new StringBuilder();
    for (int i = random.nextInt(12); i > 0; i--) {
      text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
          random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
    }
    return text.toString();
  }
}
