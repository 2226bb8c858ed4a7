package com.bitville.apm.pgagent.ops;

import com.bitville.apm.pgagent.AgentVerticle;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.config.ConfigException;
import com.bitville.apm.pgagent.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the running agent deployment: start, reload (SIGHUP: re-read the config; when valid, stop the old agent with
 * a flush and start a new one; when invalid, keep the old one and say why) and stop (SIGTERM).
 */
public final class AgentSupervisor {

  private static final Logger LOG = LoggerFactory.getLogger(AgentSupervisor.class);

  private final Vertx vertx;
  private final Path configFile;
  private final Map<String, String> env;
  private String deploymentId;
  private Future<?> lastAction = Future.succeededFuture();

  public AgentSupervisor(Vertx vertx, Path configFile, Map<String, String> env) {
    this.vertx = vertx;
    this.configFile = configFile;
    this.env = env;
  }

  public synchronized Future<String> start(AgentConfig config) {
    Future<String> deployed = vertx.deployVerticle(new AgentVerticle(config)).onSuccess(id -> deploymentId = id);
    lastAction = deployed;
    return deployed;
  }

  /** Serialized after any action in progress, so two quick SIGHUPs do not run two agents at once. */
  public synchronized Future<?> reload() {
    lastAction = lastAction.transform(ignored -> reloadNow());
    return lastAction;
  }

  /** Stops the agent (flushing to disk); the caller closes Vert.x afterwards, from a non-Vert.x thread. */
  public synchronized Future<?> stopAgent() {
    lastAction = lastAction.transform(ignored -> undeploy());
    return lastAction;
  }

  private Future<?> reloadNow() {
    AgentConfig config;
    try {
      config = ConfigLoader.load(configFile, env);
    } catch (ConfigException e) {
      LOG.error("SIGHUP: configuration rejected, keeping the running one\n{}", e.getMessage());
      return Future.succeededFuture();
    }
    LOG.info("SIGHUP: configuration valid, restarting collectors and delivery with it");
    return undeploy().transform(ignored -> vertx.deployVerticle(new AgentVerticle(config))
        .onSuccess(id -> deploymentId = id)
        .onFailure(e -> LOG.error("agent failed to start after reload", e)));
  }

  private Future<Void> undeploy() {
    String id = deploymentId;
    deploymentId = null;
    return id == null ? Future.succeededFuture() : vertx.undeploy(id);
  }
}
