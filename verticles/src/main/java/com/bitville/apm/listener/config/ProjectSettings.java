package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One project: its API keys (plain or as SHA-256 hashes, several for rotation), an optional source-network
 * allow-list and whether unsigned legacy UDP datagrams are accepted. Plain keys are hashed on load and
 * never kept, so nothing downstream can log them.
 */
public record ProjectSettings(String name, List<byte[]> keyHashes, List<Cidr> allowedNetworks, boolean udpUnsigned) {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.\\-]{0,63}");
  private static final Pattern SHA256_HEX = Pattern.compile("(sha256:)?[0-9a-fA-F]{64}");

  public static Map<String, ProjectSettings> from(JsonObject config) {
    ConfigReader projects = new ConfigReader(config, "projects");
    Map<String, ProjectSettings> result = new LinkedHashMap<>();
    for (String rawName : projects.raw().fieldNames()) {
      String name = rawName.toLowerCase(Locale.ROOT);
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException("projects." + rawName + ": project names must match [a-z0-9][a-z0-9_.-]{0,63}");
      }
      result.put(name, project(name, projects.child(rawName)));
    }
    return result;
  }

  private static ProjectSettings project(String name, ConfigReader project) {
    List<byte[]> hashes = new ArrayList<>();
    for (String key : project.strings("keys")) {
      if (key.length() < 16) {
        throw new ConfigException(project.key("keys") + ": API keys must be at least 16 characters");
      }
      hashes.add(ApiKeyHash.of(key));
    }
    for (String hash : project.strings("keyHashes")) {
      if (!SHA256_HEX.matcher(hash).matches()) {
        throw new ConfigException(project.key("keyHashes") + ": expected 64 hex digits of SHA-256 (optionally "
            + "prefixed with 'sha256:')");
      }
      hashes.add(HexFormat.of().parseHex(hash.substring(hash.length() - 64)));
    }
    return new ProjectSettings(name, hashes, Cidr.parseAll(project.strings("allowedNetworks"),
        project.key("allowedNetworks")), project.bool("udpUnsigned", false));
  }
}
