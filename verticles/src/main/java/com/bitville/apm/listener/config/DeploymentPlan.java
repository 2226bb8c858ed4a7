package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which verticles this node runs and how many instances of each: {@code "verticles": {"http-ingest": 2, ...}}.
 * 0 leaves a verticle out (e.g. an ingest-only node of a cluster). A verticle the configuration does not name runs
 * its default instances from {@code listener-defaults.json}, which must name every {@link Component}.
 */
public record DeploymentPlan(Map<String, Integer> instances) {

  /** The plan for every component of {@link Component}. */
  public static DeploymentPlan from(JsonObject config) {
    return from(config, new java.util.LinkedHashSet<>(Component.configNames()));
  }

  public static DeploymentPlan from(JsonObject config, Set<String> known) {
    ConfigReader verticles = new ConfigReader(config, "verticles");
    for (String name : verticles.raw().fieldNames()) {
      if (!known.contains(name)) {
        throw new ConfigException("verticles." + name + " is not a known verticle; known: " + known);
      }
    }
    Map<String, Integer> instances = new LinkedHashMap<>();
    for (String name : known) {
      int max = Component.named(name).map(c -> c.instances().maxPerNode()).orElse(Component.Instances.MANY
          .maxPerNode());
      instances.put(name, verticles.integer(name, 0, max));
    }
    return new DeploymentPlan(instances);
  }

  /** The instances of one verticle as configured for this node (0 = left out), for status checks. */
  public static int configuredInstances(JsonObject config, String name) {
    return new ConfigReader(config, "verticles").integer(name, 0, 64);
  }

  public int instancesOf(String name) {
    return instances.getOrDefault(name, 0);
  }

  public int instancesOf(Component component) {
    return instancesOf(component.configName());
  }
}
