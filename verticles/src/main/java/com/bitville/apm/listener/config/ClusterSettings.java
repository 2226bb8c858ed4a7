package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Cluster mode: Hazelcast with a TCP/IP member list (no multicast). {@code host} is the address this node
 * binds and announces for Hazelcast and the event bus; {@code members} are {@code host[:port]} entries.
 */
public record ClusterSettings(boolean enabled, String name, String host, int port, int eventBusPort,
    List<String> members) {

  public static ClusterSettings from(JsonObject config) {
    ConfigReader cluster = new ConfigReader(config, "cluster");
    List<String> members = cluster.strings("members");
    boolean enabled = cluster.bool("enabled", false);
    if (enabled && members.isEmpty()) {
      throw new ConfigException("cluster.members must list at least one host[:port] when cluster.enabled is true");
    }
    return new ClusterSettings(enabled, cluster.string("name", "bitville"), cluster.string("host", "127.0.0.1"),
        cluster.integer("port", 5701, 1, 65535), cluster.integer("eventBusPort", 0, 0, 65535), members);
  }
}
