package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Cluster mode: Hazelcast with a TCP/IP member list (no multicast). {@code host} is the address this node
 * binds for Hazelcast and the event bus, {@code publicHost} the one it announces to the others (a multi-homed
 * or NATed machine; defaults to {@code host}); {@code members} are {@code host[:port]} entries. The cluster
 * name together with {@code secret} forms the Hazelcast cluster name (the secret only as a hash), so a node with
 * another name or secret is refused when it tries to join. {@code failureDetectionSeconds}: a member silent that
 * long is removed (its locks and event-bus handlers with it); {@code mergeIntervalSeconds}: how often a node that
 * finds itself split from the others (after a freeze or a network partition) looks for them to merge again.
 */
public record ClusterSettings(boolean enabled, String name, String secret, String host, String publicHost,
    int port, int eventBusPort, List<String> members, int failureDetectionSeconds, int mergeIntervalSeconds) {

  static final int MIN_SECRET_LENGTH = 16;

  public static ClusterSettings from(JsonObject config) {
    ConfigReader cluster = new ConfigReader(config, "cluster");
    List<String> members = cluster.strings("members");
    boolean enabled = cluster.bool("enabled");
    String secret = cluster.string("secret");
    if (enabled && members.isEmpty()) {
      throw new ConfigException("cluster.members must list at least one host[:port] when cluster.enabled is true");
    }
    if (enabled && secret.length() < MIN_SECRET_LENGTH) {
      throw new ConfigException("cluster.secret must be at least " + MIN_SECRET_LENGTH
          + " characters when cluster.enabled is true (the same on every node)");
    }
    if (enabled && secret.contains("CHANGE-ME")) {
      throw new ConfigException("cluster.secret still has the example value: set the same random secret on every node");
    }
    String host = cluster.string("host");
    String publicHost = cluster.string("publicHost");
    return new ClusterSettings(enabled, cluster.string("name"), secret, host,
        publicHost.isBlank() ? host : publicHost, cluster.integer("port", 1, 65535),
        cluster.integer("eventBusPort", 0, 65535), members, cluster.integer("failureDetectionSeconds", 3, 300),
        cluster.integer("mergeIntervalSeconds", 5, 600));
  }

  /** The name Hazelcast compares on join: the configured name and a hash of the secret, never the secret. */
  public String hazelcastClusterName() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((name + "\n" + secret).getBytes(StandardCharsets.UTF_8));
      return name + "-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "ClusterSettings[enabled=" + enabled + ", name=" + name + ", host=" + host + ", publicHost=" + publicHost
        + ", port=" + port + ", eventBusPort=" + eventBusPort + ", members=" + members + ", failureDetectionSeconds="
        + failureDetectionSeconds + ", mergeIntervalSeconds=" + mergeIntervalSeconds + "]";
  }
}
