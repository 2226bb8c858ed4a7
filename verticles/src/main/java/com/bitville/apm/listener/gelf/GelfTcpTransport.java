package com.bitville.apm.listener.gelf;

import com.bitville.apm.listener.config.GraylogSettings;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;

/**
 * GELF over TCP: each message is the JSON document followed by one NUL byte; never an empty frame (Graylog
 * closes the connection on one and loses what follows). Optional TLS with hostname verification.
 */
final class GelfTcpTransport implements GelfTransport {

  private static final byte[] NUL = {0};
  private static final int WRITE_QUEUE_BYTES = 4 * 1024 * 1024;

  private final GraylogSettings settings;
  private final NetClient client;
  private NetSocket socket;
  private long generation;
  private Handler<Throwable> brokenHandler = e -> { };

  GelfTcpTransport(Vertx vertx, GraylogSettings settings) {
    this.settings = settings;
    NetClientOptions options = new NetClientOptions().setConnectTimeout((int) settings.connectTimeoutMs())
        .setTcpKeepAlive(true).setTcpNoDelay(true);
    if (settings.tls()) {
      options.setSsl(true).setHostnameVerificationAlgorithm(settings.tlsTrustAll() ? "" : "HTTPS")
          .setTrustAll(settings.tlsTrustAll());
      if (!settings.tlsCaPath().isBlank()) {
        options.setTrustOptions(new PemTrustOptions().addCertPath(settings.tlsCaPath()));
      }
    }
    this.client = vertx.createNetClient(options);
  }

  @Override
  public Future<Void> open() {
    return client.connect(settings.port(), settings.host()).compose(this::refuseSelfConnection).map(connected -> {
      socket = connected;
      generation++;
      long mine = generation;
      connected.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
      connected.handler(ignored -> { });
      connected.exceptionHandler(e -> connected.close());
      connected.closeHandler(v -> broken(mine, new IllegalStateException("Graylog closed the connection")));
      return null;
    });
  }

  /**
   * When nothing listens on a local Graylog port, the kernel can pick that very port as the source of the
   * connection attempt and connect the socket to itself (TCP simultaneous open). Frames written there would
   * count as sent and be lost, and the port would stay taken from the real Graylog.
   */
  private Future<NetSocket> refuseSelfConnection(NetSocket connected) {
    SocketAddress local = connected.localAddress();
    SocketAddress remote = connected.remoteAddress();
    if (local != null && remote != null && local.port() == remote.port()
        && String.valueOf(local.hostAddress()).equals(String.valueOf(remote.hostAddress()))) {
      return connected.close().transform(v -> Future.failedFuture(new IllegalStateException(
          "nothing listens on " + settings.host() + ":" + settings.port() + " (the connection reached itself)")));
    }
    return Future.succeededFuture(connected);
  }

  private void broken(long which, Throwable cause) {
    if (which == generation && socket != null) {
      socket = null;
      generation++;
      brokenHandler.handle(cause);
    }
  }

  @Override
  public Future<Void> send(byte[] json) {
    if (json.length == 0) {
      return Future.failedFuture(new IllegalArgumentException("refusing to write an empty GELF frame"));
    }
    NetSocket current = socket;
    if (current == null) {
      return Future.failedFuture(new IllegalStateException("not connected to Graylog"));
    }
    return current.write(Buffer.buffer(json.length + 1).appendBytes(json).appendBytes(NUL));
  }

  @Override
  public boolean isOpen() {
    return socket != null;
  }

  @Override
  public long generation() {
    return generation;
  }

  @Override
  public void brokenHandler(Handler<Throwable> handler) {
    this.brokenHandler = handler;
  }

  @Override
  public boolean writeQueueFull() {
    return socket != null && socket.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    if (socket != null) {
      socket.drainHandler(handler);
    }
  }

  @Override
  public Future<Void> disconnect() {
    NetSocket current = socket;
    socket = null;
    generation++;
    return current == null ? Future.succeededFuture() : current.close();
  }

  @Override
  public Future<Void> close() {
    return disconnect().eventually(client::close);
  }
}
