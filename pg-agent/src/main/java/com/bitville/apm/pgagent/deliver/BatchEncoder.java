package com.bitville.apm.pgagent.deliver;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Encodes envelopes as NDJSON (one object per line), gzip-compressed unless disabled. */
public final class BatchEncoder {

  private BatchEncoder() {
  }

  public static byte[] ndjson(List<JsonObject> records, boolean gzip) {
    StringBuilder text = new StringBuilder();
    records.forEach(record -> text.append(record.encode()).append('\n'));
    byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
    return gzip ? gzip(raw) : raw;
  }

  private static byte[] gzip(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 4 + 64);
    try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
      zip.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
