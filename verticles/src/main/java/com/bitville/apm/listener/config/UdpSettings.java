package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;

/**
 * The UDP ingest socket (wire protocol section 4). {@code maxInFlight} bounds the store requests waiting for
 * storage: beyond it datagrams are dropped as storage_busy, so a flood costs CPU, never memory (the kernel's
 * receive buffer drops what the event loop cannot take). {@code receiveBufferBytes} sets both SO_RCVBUF and the
 * size Netty reads each datagram into, so it must stay at least 65,536 (else large datagrams are cut).
 */
public record UdpSettings(
    String host,
    int port,
    int maxDatagramBytes,
    int clockWindowSeconds,
    int maxInFlight,
    int receiveBufferBytes,
    int storageTimeoutMs,
    int maxDepth) {

  public static UdpSettings from(JsonObject config) {
    ConfigReader udp = new ConfigReader(config, "udp");
    return new UdpSettings(
        udp.string("host"),
        udp.integer("port", 0, 65535),
        udp.integer("maxDatagramBytes", 512, 65_507),
        udp.integer("clockWindowSeconds", 1, 86_400),
        udp.integer("maxInFlight", 1, 100_000),
        udp.integer("receiveBufferBytes", 65_536, 16 * 1024 * 1024),
        udp.integer("storageTimeoutMs", 100, 600_000),
        udp.integer("maxDepth", 8, 512));
  }
}
