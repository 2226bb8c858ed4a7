package com.bitville.apm.listener.management;

import com.bitville.apm.listener.bus.ServiceBus;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.DeploymentPlan;
import com.bitville.apm.listener.config.ManagementSettings;
import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.ProjectSettings;
import com.bitville.apm.listener.storage.api.RecordStore;
import com.bitville.apm.listener.support.NodeMetrics;
import com.bitville.apm.shared.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * The per-node management endpoint, on loopback by default: {@code /health} (the process is alive),
 * {@code /ready} (storage answers over the event bus and its writes succeed, disk has room, keys are loaded,
 * and every component configured on this node is deployed, serving and reports itself up; for retention, the GELF
 * forwarder and rollup it also names the node of the cluster where each is active, or says that none answers) and
 * {@code /metrics} (Prometheus text of this node).
 */
public final class ManagementVerticle extends VerticleBase {

  private static final long CHECK_TIMEOUT_MS = 2_000;
  /** Two questions per singleton check (this node, then the cluster) within the check timeout. */
  private static final long COMPONENT_ASK_MS = 800;

  private HttpServer server;

  @Override
  public Future<?> start() {
    ManagementSettings settings = ManagementSettings.from(config());
    HealthChecks readiness = readinessChecks(settings);
    Router router = Router.router(vertx);
    router.get("/health").handler(this::health);
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
    router.get("/metrics").handler(this::metrics);
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(settings.port(), settings.host());
  }

  public int actualPort() {
    return server.actualPort();
  }

  private HealthChecks readinessChecks(ManagementSettings settings) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("storage", CHECK_TIMEOUT_MS, this::checkStorage);
    checks.register("disk", CHECK_TIMEOUT_MS, promise -> checkDisk(promise, settings));
    checks.register("api-keys", CHECK_TIMEOUT_MS, this::checkKeys);
    for (Component component : Component.reportingStatus()) {
      checks.register(component.configName(), CHECK_TIMEOUT_MS, promise -> checkComponent(promise, component));
    }
    return checks;
  }

  private void health(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").end("{\"status\":\"UP\"}");
  }

  private void metrics(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(NodeMetrics.scrape());
  }

  private void checkStorage(Promise<Status> promise) {
    ServiceBus.client(vertx, RecordStore.class, CHECK_TIMEOUT_MS - 200).status()
        .onSuccess(status -> {
          JsonObject data = new JsonObject().put("node", status.node()).put("queued_records", status.queuedRecords())
              .put("writes_failing", status.writesFailing());
          promise.complete(status.writesFailing()
              ? Status.KO(data.put("reason", "writes fail (disk full or I/O error)")) : Status.OK(data));
        })
        .onFailure(e -> promise.complete(Status.KO(new JsonObject().put("reason", "storage does not answer: "
            + (e instanceof ReplyException r ? r.failureType().name() : "error")
            + (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
                ? " (no storage node in the cluster)" : "")))));
  }

  private void checkDisk(Promise<Status> promise, ManagementSettings settings) {
    String dataDir = NodeSettings.from(config()).dataDir().toString();
    vertx.fileSystem().mkdirs(dataDir)
        .compose(v -> vertx.fileSystem().fsProps(dataDir))
        .onSuccess(props -> {
          JsonObject data = new JsonObject().put("usable_bytes", props.usableSpace())
              .put("minimum_bytes", settings.minFreeDiskBytes());
          promise.complete(props.usableSpace() >= settings.minFreeDiskBytes() ? Status.OK(data) : Status.KO(data));
        })
        .onFailure(e -> promise.complete(Status.KO(new JsonObject().put("reason", "cannot read disk space"))));
  }

  private void checkKeys(Promise<Status> promise) {
    long keys = ProjectSettings.from(config()).values().stream().mapToLong(p -> p.keyHashes().size()).sum();
    JsonObject data = new JsonObject().put("keys", keys);
    promise.complete(keys > 0 ? Status.OK(data) : Status.KO(data));
  }

  private void checkComponent(Promise<Status> promise, Component component) {
    localStatus(component)
        .compose(status -> component.activeAddress().isEmpty() ? Future.succeededFuture(status)
            : withActiveNode(status, component.activeAddress().get()))
        .onComplete(result -> promise.complete(result.result()));
  }

  /** Never fails: what this node's own instance says, or why it says nothing. */
  private Future<Status> localStatus(Component component) {
    return vertx.eventBus().<JsonObject>request(component.statusAddress(), new JsonObject(),
            new DeliveryOptions().setSendTimeout(COMPONENT_ASK_MS).setLocalOnly(true))
        .map(reply -> new Status().setOk(reply.body().getBoolean("up", false)).setData(reply.body()))
        .recover(e -> {
          boolean absent = e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
          if (!absent) {
            return Future.succeededFuture(Status.KO(new JsonObject().put("reason", "component does not answer")));
          }
          if (DeploymentPlan.configuredInstances(config(), component.configName()) > 0) {
            return Future.succeededFuture(Status.KO(new JsonObject().put("deployed", false)
                .put("reason", "configured on this node but not serving (starting, or failed)")));
          }
          return Future.succeededFuture(Status.OK(new JsonObject().put("deployed", false)));
        });
  }

  /**
   * Adds which node of the cluster runs the component ({@code "cluster": {"reachable": true, "active_node": …}})
   * or that none answers. Informational: the status stays this node's own, because another node's missing
   * forwarder, retention or rollup does not stop this node from doing its job.
   */
  private Future<Status> withActiveNode(Status status, String activeAddress) {
    JsonObject data = status.getData() == null ? new JsonObject() : status.getData();
    return vertx.eventBus().<JsonObject>request(activeAddress, new JsonObject(),
            new DeliveryOptions().setSendTimeout(COMPONENT_ASK_MS))
        .map(reply -> new JsonObject().put("reachable", true).put("active_node", reply.body().getString("node")))
        .recover(e -> Future.succeededFuture(new JsonObject().put("reachable", false).put("reason", unreachable(e))))
        .map(cluster -> status.setData(data.put("cluster", cluster)));
  }

  private static String unreachable(Throwable e) {
    if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
      return "no node of the cluster runs it actively (NO_HANDLERS)";
    }
    if (e instanceof ReplyException r && r.failureType() == ReplyFailure.TIMEOUT) {
      return "the active node does not answer (TIMEOUT: frozen, overloaded or cut off)";
    }
    return "the active node cannot be reached";
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
