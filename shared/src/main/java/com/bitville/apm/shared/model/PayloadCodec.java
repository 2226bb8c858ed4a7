package com.bitville.apm.shared.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Stored payloads are raw-deflated JSON: agent payloads are verbose (stack traces, repeated SQL) and shrink
 * five- to ten-fold, which keeps 7 days of spikes small and makes the page cache go further. Level 1 costs
 * little CPU on the ingest instances, which compress before the record reaches the single storage writer.
 */
public final class PayloadCodec {

  private PayloadCodec() {
  }

  public static byte[] compress(String json) {
    return compress(json.getBytes(StandardCharsets.UTF_8));
  }

  /** @param input UTF-8 JSON as received, compressed without decoding it */
  public static byte[] compress(byte[] input) {
    Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    try {
      deflater.setInput(input);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, input.length / 4));
      byte[] chunk = new byte[8192];
      while (!deflater.finished()) {
        out.write(chunk, 0, deflater.deflate(chunk));
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  public static String decompress(byte[] stored) {
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
