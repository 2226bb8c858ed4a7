package com.bitville.apm.shared.bus;

/**
 * Every event-bus address of the listener, defined once. The trailing version is bumped whenever a
 * message shape changes incompatibly, so that mixed-version clusters fail loudly instead of silently.
 */
public final class Addresses {

  // The storage services' addresses are on their interfaces (listener.storage.api, @ServiceAddress).

  /** Request/reply sent by a starting StorageVerticle: any answer means another owner already exists. */
  public static final String STORAGE_SINGLETON = "bitville.storage.singleton.v1";

  /** Publish: {@link StoredEvent} after every committed group of records (forwarder, live UI). */
  public static final String RECORDS_STORED = "bitville.records.stored.v1";

  /**
   * Node-local request/reply (registered with {@code localConsumer}): a component's status for /ready and
   * /metrics of the node it runs on. Reply: {@code {"up": boolean, ...details}}. Append the component name.
   */
  public static final String NODE_STATUS_PREFIX = "bitville.node.status.v1.";

  /**
   * Cluster-wide request/reply, registered only by the node where a one-active-per-cluster component (retention,
   * GELF forwarder, rollup) is the active one: {@code /ready} on any node asks it to name that node. Reply:
   * {@code {"node": name}}. Append the component name.
   */
  public static final String CLUSTER_ACTIVE_PREFIX = "bitville.cluster.active.v1.";

  /**
   * Node-local publish, one address per project (append the project name): light summaries of stored PHP
   * requests for the live view. Fed from {@link #RECORDS_STORED} by one query-server instance per node and
   * bridged to browsers over SockJS only for users allowed to see that project.
   */
  public static final String LIVE_REQUESTS_PREFIX = "bitville.live.requests.v1.";

  /**
   * Node-local request/reply: run retention now (tests, benchmarks, operators via tooling). Request {}
   * (or {"vacuum": false}); reply: the run's summary, as shown on /ready under "retention".
   */
  public static final String RETENTION_RUN = "bitville.retention.run.v1";

  /** Node-local send: the GELF forwarder replays its backlog now (e.g. after an operator fixed Graylog). */
  public static final String GELF_REPLAY = "bitville.gelf.replay.v1";

  private Addresses() {
  }
}
