package com.bitville.apm.listener.gelf;

import io.vertx.core.Future;
import io.vertx.core.Handler;

/** How GELF frames reach Graylog: one long-lived TCP connection (NUL framing, optional TLS) or UDP chunks. */
interface GelfTransport {

  /** Connects (TCP) or opens the socket (UDP). Only called while {@link #isOpen()} is false. */
  Future<Void> open();

  /** Writes one message (JSON bytes, no terminator); completes when the bytes were handed to the socket. */
  Future<Void> send(byte[] json);

  boolean isOpen();

  /** Increments on every successful open: a confirmation from an older connection must not count. */
  long generation();

  /** Called once per connection that breaks after it was open (peer closed, reset, write error). */
  void brokenHandler(Handler<Throwable> handler);

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  /** Drops the current connection (after a write failure); {@link #open()} may follow. */
  Future<Void> disconnect();

  /** Final: drops the connection and releases the client. */
  Future<Void> close();
}
