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
 * and every component configured on this node is deployed, serving and reports itself up) and {@code /metrics} (Prometheus text of this node).
 */
public final class ManagementVerticle extends VerticleBase {

  private static final long CHECK_TIMEOUT_MS = 2_000;

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
            + (e instanceof ReplyException r ? r.failureType().name() : "error")))));
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
    vertx.eventBus().<JsonObject>request(component.statusAddress(), new JsonObject(),
            new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS - 200).setLocalOnly(true))
        .onSuccess(reply -> promise.complete(new Status(reply.body()).setOk(reply.body().getBoolean("up", false))
            .setData(reply.body())))
        .onFailure(e -> {
          boolean absent = e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
          if (!absent) {
            promise.complete(Status.KO(new JsonObject().put("reason", "component does not answer")));
          } else if (DeploymentPlan.configuredInstances(config(), component.configName()) > 0) {
            promise.complete(Status.KO(new JsonObject().put("deployed", false)
                .put("reason", "configured on this node but not serving (starting, or failed)")));
          } else {
            promise.complete(Status.OK(new JsonObject().put("deployed", false)));
          }
        });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
