package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which verticles this node runs and how many instances of each: {@code "verticles": {"http-ingest": 2, ...}}.
 * 0 leaves a verticle out (e.g. an ingest-only node of a cluster).
 */
public record DeploymentPlan(Map<String, Integer> instances) {

  public static final String HTTP_INGEST = "http-ingest";
  public static final String STORAGE = "storage";
  public static final String MANAGEMENT = "management";
  private static final Set<String> SINGLE_INSTANCE = Set.of(STORAGE, MANAGEMENT, "retention", "gelf-forwarder",
      "rollup", "udp-ingest");

  public static DeploymentPlan from(JsonObject config, Set<String> known) {
    ConfigReader verticles = new ConfigReader(config, "verticles");
    for (String name : verticles.raw().fieldNames()) {
      if (!known.contains(name)) {
        throw new ConfigException("verticles." + name + " is not a known verticle; known: " + known);
      }
    }
    Map<String, Integer> instances = new LinkedHashMap<>();
    for (String name : known) {
      int max = SINGLE_INSTANCE.contains(name) ? 1 : 64;
      instances.put(name, verticles.integer(name, 1, 0, max));
    }
    return new DeploymentPlan(instances);
  }

  /** The instances of one verticle as configured for this node (0 = left out), for status checks. */
  public static int configuredInstances(JsonObject config, String name) {
    return new ConfigReader(config, "verticles").integer(name, 1, 0, 64);
  }

  public int instancesOf(String name) {
    return instances.getOrDefault(name, 0);
  }
}
