package com.bitville.apm.listener.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Carries the records of typed services. Inside one JVM a record is delivered as it is (records are values;
 * senders do not change them after sending), so a local call costs no encoding at all; across the cluster
 * it travels as its class name and {@link RecordJson}. Only classes of this application are decoded.
 */
final class RecordCodec implements MessageCodec<Record, Record> {

  static final String NAME = "bitville.record";
  private static final String OWN_PACKAGES = "com.bitville.apm.";

  @Override
  public void encodeToWire(Buffer buffer, Record record) {
    byte[] type = record.getClass().getName().getBytes(StandardCharsets.UTF_8);
    Buffer json = RecordJson.toJson(record).toBuffer();
    buffer.appendInt(type.length).appendBytes(type).appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public Record decodeFromWire(int pos, Buffer buffer) {
    int typeLength = buffer.getInt(pos);
    String type = buffer.getString(pos + 4, pos + 4 + typeLength, "UTF-8");
    int jsonStart = pos + 4 + typeLength;
    int jsonLength = buffer.getInt(jsonStart);
    JsonObject json = new JsonObject(buffer.getBuffer(jsonStart + 4, jsonStart + 4 + jsonLength));
    return RecordJson.fromJson(recordClass(type), json);
  }

  @SuppressWarnings("unchecked")
  private static Class<? extends Record> recordClass(String name) {
    if (!name.startsWith(OWN_PACKAGES)) {
      throw new IllegalArgumentException("not a record of this application: " + name);
    }
    try {
      Class<?> type = Class.forName(name, false, RecordCodec.class.getClassLoader());
      if (!type.isRecord()) {
        throw new IllegalArgumentException("not a record: " + name);
      }
      return (Class<? extends Record>) type;
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("unknown record type " + name, e);
    }
  }

  @Override
  public Record transform(Record record) {
    return record;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
