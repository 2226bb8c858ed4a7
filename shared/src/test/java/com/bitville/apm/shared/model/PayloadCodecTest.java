package com.bitville.apm.shared.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PayloadCodecTest {

  private static String sampleJson(int statements) {
    StringBuilder json = new StringBuilder("{\"correlation_id\":\"x\",\"sql\":{\"queries\":[");
    for (int i = 0; i < statements; i++) {
      json.append(i == 0 ? "" : ",").append("{\"sql\":\"SELECT * FROM orders WHERE id = ").append(i)
          .append("\",\"time_ms\":1.5,\"stack\":[{\"file\":\"/var/www/app/Orders.php\",\"line\":42}]}");
    }
    return json.append("]},\"note\":\"caf\u00e9 \u2713\"}").toString();
  }

  private static byte[] rawDeflate(byte[] input, int level) {
    Deflater deflater = new Deflater(level, true);
    deflater.setInput(input);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    while (!deflater.finished()) {
      out.write(chunk, 0, deflater.deflate(chunk));
    }
    deflater.end();
    return out.toByteArray();
  }

  @Test
  @DisplayName("New payloads are LZ4 behind the magic byte and round-trip, UTF-8 included")
  void roundTrip() {
    String json = sampleJson(200);
    byte[] stored = PayloadCodec.compress(json);
    assertEquals(PayloadCodec.LZ4_MAGIC, stored[0]);
    assertTrue(stored.length * 4 < json.length(), "compresses: " + stored.length);
    assertEquals(json, PayloadCodec.decompress(stored));
    assertEquals("", PayloadCodec.decompress(PayloadCodec.compress("")));
  }

  @Test
  @DisplayName("Payloads stored as raw deflate by earlier versions stay readable")
  void legacyDeflate() {
    String json = sampleJson(50);
    assertEquals(json, PayloadCodec.decompress(rawDeflate(json.getBytes(StandardCharsets.UTF_8), 1)));
  }

  @Test
  @DisplayName("No raw deflate stream starts with the LZ4 magic byte (its block type would be the reserved 11)")
  void formatsCannotBeConfused() {
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      byte[] input = new byte[random.nextInt(4096)];
      if (i % 2 == 0) {
        random.nextBytes(input);
      } else {
        Arrays.fill(input, (byte) 'a');
      }
      assertNotEquals(PayloadCodec.LZ4_MAGIC, rawDeflate(input, i % 10)[0]);
    }
  }

  @Test
  @DisplayName("Corrupt stored bytes fail with a clear error instead of garbage or a huge allocation")
  void corrupt() {
    byte[] stored = PayloadCodec.compress(sampleJson(100));
    byte[] truncated = Arrays.copyOf(stored, stored.length / 2);
    assertThrows(IllegalStateException.class, () -> PayloadCodec.decompress(truncated));
    byte[] hugeLength = stored.clone();
    hugeLength[1] = 0x7f;
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> PayloadCodec.decompress(hugeLength));
    assertTrue(e.getMessage().contains("length"), e.getMessage());
  }
}
