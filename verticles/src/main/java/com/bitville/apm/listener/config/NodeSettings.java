package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/** Where this node keeps its data and how it names itself in stored records and GELF messages. */
public record NodeSettings(Path dataDir, String nodeName) {

  public static NodeSettings from(JsonObject config) {
    ConfigReader node = new ConfigReader(config, "node");
    String dataDir = node.string("dataDir");
    if (dataDir.isBlank()) {
      throw new ConfigException("node.dataDir must not be empty");
    }
    String name = node.string("name");
    return new NodeSettings(Path.of(dataDir).toAbsolutePath().normalize(), name.isBlank() ? localHostName() : name);
  }

  private static String localHostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "listener";
    }
  }
}
