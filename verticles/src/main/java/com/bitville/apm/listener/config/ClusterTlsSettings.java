package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Optional TLS for the event bus between cluster nodes ({@code cluster.tls}): each node presents its PEM
 * certificate and key and accepts only peers whose certificate chains to {@code trustCertPath} (a CA, or the
 * nodes' own certificates), both directions. Hazelcast's membership traffic is not covered (see docs/cluster.md).
 */
public record ClusterTlsSettings(boolean enabled, String certPath, String keyPath, String trustCertPath) {

  public static ClusterTlsSettings from(JsonObject config) {
    ConfigReader tls = new ConfigReader(config, "cluster").child("tls");
    boolean enabled = tls.bool("enabled");
    String cert = tls.string("certPath");
    String key = tls.string("keyPath");
    String trust = tls.string("trustCertPath");
    if (enabled) {
      requireFile(tls, "certPath", cert);
      requireFile(tls, "keyPath", key);
      requireFile(tls, "trustCertPath", trust);
    }
    return new ClusterTlsSettings(enabled, cert, key, trust);
  }

  private static void requireFile(ConfigReader tls, String name, String path) {
    if (path.isBlank()) {
      throw new ConfigException(tls.key(name) + " must be set when cluster.tls.enabled is true");
    }
    if (!Files.isReadable(Path.of(path))) {
      throw new ConfigException(tls.key(name) + " is not a readable file: " + path);
    }
  }
}
