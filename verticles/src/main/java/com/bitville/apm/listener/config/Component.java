package com.bitville.apm.listener.config;

import com.bitville.apm.shared.bus.Addresses;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every verticle the listener can run, in deployment order (storage first, so that ingest can commit from its
 * first request; the UI server last): its name under {@code "verticles"} in the configuration, how many instances
 * a node may run, and whether it reports a status for {@code /ready}. The launcher's catalog, the deployment
 * plan, {@code /ready} and the banner all read this table; the default instances are in
 * {@code listener-defaults.json}.
 */
public enum Component {
  STORAGE("storage", Instances.ONE_PER_CLUSTER, false),
  MANAGEMENT("management", Instances.ONE_PER_NODE, false),
  HTTP_INGEST("http-ingest", Instances.MANY, true),
  UDP_INGEST("udp-ingest", Instances.ONE_PER_NODE, true),
  RETENTION("retention", Instances.ONE_ACTIVE_PER_CLUSTER, true),
  GELF_FORWARDER("gelf-forwarder", Instances.ONE_ACTIVE_PER_CLUSTER, true),
  ROLLUP("rollup", Instances.ONE_ACTIVE_PER_CLUSTER, true),
  QUERY_SERVER("query-server", Instances.MANY, true);

  /** How many instances of a component may run. */
  public enum Instances {
    /** At most one per cluster; a second one refuses to start. */
    ONE_PER_CLUSTER(1),
    /** At most one per node. */
    ONE_PER_NODE(1),
    /** At most one per node; one node at a time works, the others stand by. */
    ONE_ACTIVE_PER_CLUSTER(1),
    /** Any number per node (event-loop instances). */
    MANY(64);

    private final int maxPerNode;

    Instances(int maxPerNode) {
      this.maxPerNode = maxPerNode;
    }

    public int maxPerNode() {
      return maxPerNode;
    }
  }

  private final String configName;
  private final Instances instances;
  private final boolean reportsStatus;

  Component(String configName, Instances instances, boolean reportsStatus) {
    this.configName = configName;
    this.instances = instances;
    this.reportsStatus = reportsStatus;
  }

  public String configName() {
    return configName;
  }

  public Instances instances() {
    return instances;
  }

  /** True when the component answers on {@link #statusAddress()} and {@code /ready} asks it. */
  public boolean reportsStatus() {
    return reportsStatus;
  }

  /** Node-local request/reply address of the component's status: {@code {"up": boolean, ...details}}. */
  public String statusAddress() {
    return Addresses.NODE_STATUS_PREFIX + configName;
  }

  /**
   * Cluster-wide address answered by the node where this component is active ({@code {"node": name}}), for
   * components of which one node at a time works; empty for the others.
   */
  public Optional<String> activeAddress() {
    return instances == Instances.ONE_ACTIVE_PER_CLUSTER
        ? Optional.of(Addresses.CLUSTER_ACTIVE_PREFIX + configName) : Optional.empty();
  }

  public static Optional<Component> named(String configName) {
    return Arrays.stream(values()).filter(c -> c.configName.equals(configName)).findFirst();
  }

  /** The components {@code /ready} asks, in table order. */
  public static List<Component> reportingStatus() {
    return Arrays.stream(values()).filter(Component::reportsStatus).toList();
  }

  public static List<String> configNames() {
    return Arrays.stream(values()).map(Component::configName).toList();
  }
}
