package com.bitville.apm.listener.gelf;

import com.bitville.apm.listener.config.GraylogSettings;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * GELF over UDP: each message gzip-compressed; when larger than one chunk, split into at most 128 chunks
 * with the magic bytes 0x1e 0x0f, an 8-byte message id, sequence number and count. No delivery guarantee:
 * "written" means handed to the socket, so the outbox semantics are weaker than with TCP (documented).
 */
final class GelfUdpTransport implements GelfTransport {

  static final int MAX_CHUNKS = 128;
  static final int CHUNK_HEADER_BYTES = 12;

  private final Vertx vertx;
  private final GraylogSettings settings;
  private final SecureRandom random = new SecureRandom();
  private DatagramSocket socket;

  GelfUdpTransport(Vertx vertx, GraylogSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
  }

  @Override
  public Future<Void> open() {
    socket = vertx.createDatagramSocket(new DatagramSocketOptions());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> send(byte[] json) {
    List<Buffer> datagrams;
    try {
      datagrams = chunks(gzip(json), settings.udpChunkBytes(), random.nextLong());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    List<Future<Void>> sent = new ArrayList<>(datagrams.size());
    for (Buffer datagram : datagrams) {
      sent.add(socket.send(datagram, settings.port(), settings.host()));
    }
    return Future.all(sent).mapEmpty();
  }

  static byte[] gzip(byte[] json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4 + 64);
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** One datagram when it fits, else GELF chunks; over 128 chunks is refused (Graylog would drop it). */
  static List<Buffer> chunks(byte[] message, int chunkBytes, long messageId) {
    if (message.length <= chunkBytes) {
      return List.of(Buffer.buffer(message));
    }
    int payload = chunkBytes - CHUNK_HEADER_BYTES;
    int count = (message.length + payload - 1) / payload;
    if (count > MAX_CHUNKS) {
      throw new IllegalArgumentException("GELF UDP message needs " + count + " chunks, more than " + MAX_CHUNKS);
    }
    List<Buffer> chunks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * payload;
      int to = Math.min(message.length, from + payload);
      chunks.add(Buffer.buffer(CHUNK_HEADER_BYTES + to - from).appendByte((byte) 0x1e).appendByte((byte) 0x0f)
          .appendLong(messageId).appendByte((byte) i).appendByte((byte) count)
          .appendBytes(message, from, to - from));
    }
    return chunks;
  }

  @Override
  public boolean isOpen() {
    return socket != null;
  }

  @Override
  public long generation() {
    return 1;
  }

  @Override
  public void brokenHandler(Handler<Throwable> handler) {
    // a UDP socket has no connection to lose
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    handler.handle(null);
  }

  @Override
  public Future<Void> disconnect() {
    return close();
  }

  @Override
  public Future<Void> close() {
    DatagramSocket current = socket;
    socket = null;
    return current == null ? Future.succeededFuture() : current.close();
  }
}
