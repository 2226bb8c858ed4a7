package com.bitville.apm.listener.ingest;

import java.io.ByteArrayOutputStream;
import java.util.function.IntPredicate;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates a gzip body (one member) with a hard cap on the output, so a gzip bomb costs at most the cap, and
 * checks the trailer, so a truncated or corrupted stream is refused.
 */
final class Gzip {

  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super(null, null, false, false);
    }
  }

  static final class CorruptException extends Exception {
    private static final long serialVersionUID = 1L;

    CorruptException() {
      super(null, null, false, false);
    }
  }

  private Gzip() {
  }

  /** Thrown when the inflated bytes would pass the node's body memory budget. */
  static final class OverBudgetException extends Exception {
    private static final long serialVersionUID = 1L;

    OverBudgetException() {
      super(null, null, false, false);
    }
  }

  /** @param reserve asked for every chunk of output before it is kept; false stops with OverBudgetException */
  static byte[] inflate(byte[] gzip, int maxBytes, IntPredicate reserve)
      throws TooLargeException, CorruptException, OverBudgetException {
    int headerLength = headerLength(gzip);
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(gzip, headerLength, gzip.length - headerLength);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, 16384));
      CRC32 crc = new CRC32();
      byte[] chunk = new byte[16384];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new CorruptException();
        }
        if (out.size() + n > maxBytes) {
          throw new TooLargeException();
        }
        if (!reserve.test(n)) {
          throw new OverBudgetException();
        }
        crc.update(chunk, 0, n);
        out.write(chunk, 0, n);
      }
      checkTrailer(gzip, gzip.length - inflater.getRemaining(), crc.getValue(), out.size());
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new CorruptException();
    } finally {
      inflater.end();
    }
  }

  /**
   * The 8-byte member trailer (RFC 1952): CRC-32 and length of the inflated data, little-endian, and nothing
   * after it. A stream cut before its trailer or with a wrong checksum is refused, not half-trusted.
   */
  private static void checkTrailer(byte[] data, int at, long crc, int size) throws CorruptException {
    boolean whole = data.length - at == 8;
    if (!whole || littleEndianInt(data, at) != crc || littleEndianInt(data, at + 4) != (size & 0xFFFFFFFFL)) {
      throw new CorruptException();
    }
  }

  private static long littleEndianInt(byte[] data, int at) {
    return (data[at] & 0xFFL) | (data[at + 1] & 0xFFL) << 8 | (data[at + 2] & 0xFFL) << 16
        | (data[at + 3] & 0xFFL) << 24;
  }

  /** Length of the gzip member header (RFC 1952), honouring the optional fields. */
  private static int headerLength(byte[] data) throws CorruptException {
    if (data.length < 18 || (data[0] & 0xFF) != 0x1f || (data[1] & 0xFF) != 0x8b || data[2] != 8) {
      throw new CorruptException();
    }
    int flags = data[3] & 0xFF;
    int position = 10;
    if ((flags & 0x04) != 0) {
      position += 2 + ((data[position] & 0xFF) | (data[position + 1] & 0xFF) << 8);
    }
    if ((flags & 0x08) != 0) {
      position = skipZeroTerminated(data, position);
    }
    if ((flags & 0x10) != 0) {
      position = skipZeroTerminated(data, position);
    }
    if ((flags & 0x02) != 0) {
      position += 2;
    }
    if (position >= data.length) {
      throw new CorruptException();
    }
    return position;
  }

  private static int skipZeroTerminated(byte[] data, int position) throws CorruptException {
    while (position < data.length && data[position] != 0) {
      position++;
    }
    if (position >= data.length) {
      throw new CorruptException();
    }
    return position + 1;
  }
}
