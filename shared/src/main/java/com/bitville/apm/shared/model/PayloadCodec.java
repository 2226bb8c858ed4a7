package com.bitville.apm.shared.model;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Stored payloads are compressed: agent payloads are verbose (stack traces, repeated SQL) and shrink about
 * eight-fold, which keeps 7 days of spikes small and makes the page cache go further.
 *
 * <p>New payloads are one LZ4 block behind a 5-byte header: {@link #LZ4_MAGIC} and the original length (big
 * endian). LZ4 compresses the real PHP payloads four times faster than deflate level 1 for 8.4x instead of
 * 9.8x (docs/BENCHMARKS.md), and compression runs on every ingest request. Payloads written before are raw
 * deflate and stay readable: a raw deflate stream never starts with {@code 0xFE}, whose block-type bits (11)
 * are reserved in deflate, so the first byte tells the formats apart.
 */
public final class PayloadCodec {

  static final byte LZ4_MAGIC = (byte) 0xFE;
  private static final int HEADER = 5;
  /** Far above the ingest body limit: a corrupt header must not make the reader allocate gigabytes. */
  private static final int MAX_ORIGINAL_BYTES = 256 * 1024 * 1024;
  private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();

  private PayloadCodec() {
  }

  public static byte[] compress(String json) {
    return compress(json.getBytes(StandardCharsets.UTF_8));
  }

  /** @param input UTF-8 JSON as received, compressed without decoding it */
  public static byte[] compress(byte[] input) {
    byte[] output = new byte[HEADER + COMPRESSOR.maxCompressedLength(input.length)];
    output[0] = LZ4_MAGIC;
    ByteBuffer.wrap(output, 1, 4).putInt(input.length);
    int length = COMPRESSOR.compress(input, 0, input.length, output, HEADER, output.length - HEADER);
    return java.util.Arrays.copyOf(output, HEADER + length);
  }

  /** @throws IllegalStateException when the stored bytes are neither format */
  public static String decompress(byte[] stored) {
    if (stored.length >= HEADER && stored[0] == LZ4_MAGIC) {
      return new String(lz4Decompress(stored), StandardCharsets.UTF_8);
    }
    return inflate(stored);
  }

  /**
   * The payload as the UTF-8 bytes it was received as, for a parser that reads bytes (no String in between).
   * @throws IllegalStateException when the stored bytes are neither format
   */
  public static byte[] decompressToBytes(byte[] stored) {
    if (stored.length >= HEADER && stored[0] == LZ4_MAGIC) {
      return lz4Decompress(stored);
    }
    return inflate(stored).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] lz4Decompress(byte[] stored) {
    int original = ByteBuffer.wrap(stored, 1, 4).getInt();
    if (original < 0 || original > MAX_ORIGINAL_BYTES) {
      throw new IllegalStateException("stored payload has an invalid length header");
    }
    byte[] output = new byte[original];
    try {
      int length = DECOMPRESSOR.decompress(stored, HEADER, stored.length - HEADER, output, 0, original);
      if (length != original) {
        throw new IllegalStateException("stored payload is shorter than its header says");
      }
      return output;
    } catch (LZ4Exception e) {
      throw new IllegalStateException("stored payload is not valid LZ4 data", e);
    }
  }

  /** Payloads stored before LZ4: raw deflate. */
  static String inflate(byte[] stored) {
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(stored);
      ByteArrayOutputStream out = new ByteArrayOutputStream(stored.length * 6);
      byte[] chunk = new byte[16384];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        out.write(chunk, 0, n);
      }
      return out.toString(StandardCharsets.UTF_8);
    } catch (DataFormatException e) {
      throw new IllegalStateException("stored payload is not valid deflate data", e);
    } finally {
      inflater.end();
    }
  }
}
