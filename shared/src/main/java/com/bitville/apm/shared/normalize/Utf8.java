package com.bitville.apm.shared.normalize;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 (RFC 3629): refuses overlong encodings, UTF-16 surrogates, code points above U+10FFFF and
 * truncated sequences, which the JSON parser lets through inside strings. ASCII runs are skipped eight bytes
 * at a time (no byte of the word has its high bit set), so the check costs little on the usual payloads.
 */
public final class Utf8 {

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  private Utf8() {
  }

  /** Offset of the first byte of the first invalid sequence in {@code [from, to)}, or -1 when all is valid. */
  public static int firstInvalid(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      if (i + Long.BYTES <= to && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
        i += Long.BYTES;
        continue;
      }
      int b = bytes[i];
      if (b >= 0) {
        i++;
        continue;
      }
      int length = sequenceLength(bytes, i, to);
      if (length == 0) {
        return i;
      }
      i += length;
    }
    return -1;
  }

  /** The length of the valid multi-byte sequence at {@code i}, 0 when it is not one. */
  private static int sequenceLength(byte[] bytes, int i, int to) {
    int lead = bytes[i] & 0xFF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      return continuation(bytes, i + 1, to, 0x80, 0xBF) ? 2 : 0;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
      int low = lead == 0xE0 ? 0xA0 : 0x80;
      int high = lead == 0xED ? 0x9F : 0xBF;
      return continuation(bytes, i + 1, to, low, high) && continuation(bytes, i + 2, to, 0x80, 0xBF) ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
      int low = lead == 0xF0 ? 0x90 : 0x80;
      int high = lead == 0xF4 ? 0x8F : 0xBF;
      return continuation(bytes, i + 1, to, low, high) && continuation(bytes, i + 2, to, 0x80, 0xBF)
          && continuation(bytes, i + 3, to, 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
  }

  private static boolean continuation(byte[] bytes, int i, int to, int low, int high) {
    if (i >= to) {
      return false;
    }
    int b = bytes[i] & 0xFF;
    return b >= low && b <= high;
  }
}
