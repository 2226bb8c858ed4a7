package com.bitville.apm.listener.launcher;

import com.bitville.apm.listener.config.ClusterSettings;
import com.bitville.apm.listener.config.ClusterTlsSettings;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.DeploymentPlan;
import com.bitville.apm.listener.config.IngestSettings;
import com.bitville.apm.listener.config.ManagementSettings;
import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.ProjectSettings;
import com.bitville.apm.listener.config.StorageSettings;
import com.bitville.apm.listener.support.NodeMetrics;
import com.hazelcast.config.Config;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running listener node: its Vert.x instance and the verticles it deployed, started from a validated
 * configuration and stopped in reverse order (servers stop accepting first, storage commits and closes last).
 */
public final class ListenerNode {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerNode.class);
  static final long SHUTDOWN_DEADLINE_MS = 30_000;

  private final Vertx vertx;
  private final JsonObject config;
  private final List<String> deployments = new ArrayList<>();

  private ListenerNode(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.config = config;
  }

  /**
   * Validates the configuration (every bad value fails with a message naming its key) and starts the node.
   *
   * @param config the merged configuration, already through {@link FirstStart} when TLS or keys are generated
   */
  public static Future<ListenerNode> start(JsonObject config, boolean forceCluster) {
    DeploymentPlan plan;
    ClusterSettings cluster;
    try {
      plan = validate(config);
      cluster = ClusterSettings.from(config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return createVertx(config, cluster, forceCluster)
        .compose(vertx -> {
          ListenerNode node = new ListenerNode(vertx, config);
          return node.deployAll(plan).map(node).recover(e -> vertx.close().transform(v -> Future.failedFuture(e)));
        });
  }

  static DeploymentPlan validate(JsonObject config) {
    NodeSettings node = NodeSettings.from(config);
    IngestSettings.from(config);
    StorageSettings.from(config, node);
    ManagementSettings.from(config);
    ProjectSettings.from(config);
    com.bitville.apm.listener.config.TlsSettings.from(config);
    com.bitville.apm.listener.config.QuerySettings.from(config);
    com.bitville.apm.listener.config.UserSettings.from(config);
    com.bitville.apm.listener.config.UdpSettings.from(config);
    com.bitville.apm.listener.config.RetentionSettings.from(config);
    com.bitville.apm.listener.config.GraylogSettings.from(config);
    ClusterSettings.from(config);
    ClusterTlsSettings.from(config);
    return DeploymentPlan.from(config);
  }

  private static Future<Vertx> createVertx(JsonObject config, ClusterSettings cluster, boolean forceCluster) {
    VertxOptions options = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
    var builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(NodeMetrics.registry()));
    if (!cluster.enabled() && !forceCluster) {
      return Future.succeededFuture(builder.build());
    }
    if (cluster.secret().length() < 16) {
      return Future.failedFuture(new com.bitville.apm.listener.config.ConfigException(
          "cluster.secret must be at least 16 characters in cluster mode (the same on every node)"));
    }
    options.getEventBusOptions().setHost(cluster.host()).setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.publicHost());
    ClusterTlsSettings tls = ClusterTlsSettings.from(config);
    if (tls.enabled()) {
      options.getEventBusOptions().setSsl(true).setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.trustCertPath()));
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(cluster));
    return builder.withClusterManager(manager).buildClustered()
        .onSuccess(v -> Gauge.builder("bitville.cluster.members", manager, ListenerNode::memberCount)
            .description("Members of the cluster this node sees (itself included)").register(NodeMetrics.registry()));
  }

  private static double memberCount(HazelcastClusterManager manager) {
    try {
      return manager.getNodes().size();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static Config hazelcastConfig(ClusterSettings cluster) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(cluster.hazelcastClusterName());
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    // a crashed node is noticed within seconds, so its locks pass to a standby and its event-bus handlers go
    hazelcast.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hazelcast.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(cluster.failureDetectionSeconds()));
    // a node that was cut off or frozen finds the others again within seconds, not Hazelcast's default minutes
    hazelcast.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(cluster.mergeIntervalSeconds()));
    hazelcast.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(cluster.mergeIntervalSeconds()));
    hazelcast.getNetworkConfig().setPort(cluster.port()).setPortAutoIncrement(false)
        .setPublicAddress(cluster.publicHost() + ":" + cluster.port());
    hazelcast.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
    var join = hazelcast.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    return hazelcast;
  }

  private Future<Void> deployAll(DeploymentPlan plan) {
    Future<Void> chain = Future.succeededFuture();
    for (Component component : Component.values()) {
      int instances = plan.instancesOf(component);
      if (instances > 0) {
        chain = chain.compose(v -> deploy(component.configName(), VerticleCatalog.factory(component), instances));
      }
    }
    return chain;
  }

  private Future<Void> deploy(String name, java.util.function.Supplier<? extends io.vertx.core.Deployable> supplier,
      int instances) {
    DeploymentOptions options = new DeploymentOptions().setInstances(instances).setConfig(config);
    return vertx.deployVerticle(supplier, options)
        .onSuccess(id -> {
          deployments.add(id);
          Gauge.builder("bitville.verticle.instances", () -> instances).tag("verticle", name)
              .description("Instances of each verticle this node deployed (from \"verticles\" in its configuration)")
              .register(NodeMetrics.registry());
          LOG.info("Deployed {} x{}", name, instances);
        })
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e)))
        .mapEmpty();
  }

  public Vertx vertx() {
    return vertx;
  }

  public JsonObject config() {
    return config;
  }

  public Path dataDir() {
    return NodeSettings.from(config).dataDir();
  }

  /** Undeploys in reverse order, then closes Vert.x; fails if that takes longer than the deadline. */
  public Future<Void> shutdown() {
    List<String> reversed = new ArrayList<>(deployments);
    Collections.reverse(reversed);
    Future<Void> chain = Future.succeededFuture();
    for (String id : reversed) {
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> {
        LOG.warn("Undeploy of {} failed: {}", id, e.getMessage());
        return Future.succeededFuture();
      }));
    }
    return chain.eventually(() -> vertx.close())
        .timeout(SHUTDOWN_DEADLINE_MS, TimeUnit.MILLISECONDS);
  }
}
