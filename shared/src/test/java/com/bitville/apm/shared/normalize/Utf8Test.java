package com.bitville.apm.shared.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** ASCII is skipped a word at a time: an invalid sequence is still found at every offset and word position. */
class Utf8Test {

  private static final byte[][] INVALID = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0,
      (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};

  private static byte[] ascii(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    return bytes;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  @Test
  void invalidSequenceFoundAtEveryOffset() {
    for (byte[] invalid : INVALID) {
      for (int before = 0; before < 20; before++) {
        byte[] valid = concat(ascii(before % 5), "é€😀".getBytes(StandardCharsets.UTF_8), ascii(before));
        byte[] bytes = concat(valid, invalid, ascii(11));
        assertEquals(valid.length, Utf8.firstInvalid(bytes, 0, bytes.length), "after " + valid.length + " bytes");
      }
    }
  }

  @Test
  void validTextAndRangesAreAccepted() {
    for (int length = 0; length < 40; length++) {
      byte[] bytes = concat(ascii(length), "ü€".getBytes(StandardCharsets.UTF_8), ascii(length));
      assertEquals(-1, Utf8.firstInvalid(bytes, 0, bytes.length));
    }
    byte[] cut = concat(ascii(9), "€".getBytes(StandardCharsets.UTF_8));
    assertEquals(9, Utf8.firstInvalid(cut, 0, cut.length - 1), "a sequence cut by the range end");
    assertEquals(-1, Utf8.firstInvalid(cut, 3, 9));
  }
}
