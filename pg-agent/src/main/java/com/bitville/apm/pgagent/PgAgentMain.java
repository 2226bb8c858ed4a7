package com.bitville.apm.pgagent;

import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.config.ConfigException;
import com.bitville.apm.pgagent.config.ConfigLoader;
import com.bitville.apm.pgagent.ops.AgentSupervisor;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Entry point: {@code java -jar pg-agent.jar [--config FILE]}. The config file is also taken from
 * {@code BITVILLE_PG_CONFIG}, else {@code /etc/bitville/pg-agent.json} if present; env overrides apply on top.
 * SIGTERM/SIGINT flush and exit 0; SIGHUP reloads the configuration. Exit code 2 means an invalid configuration.
 */
public final class PgAgentMain {

  private static final Logger LOG = LoggerFactory.getLogger(PgAgentMain.class);
  private static final Path DEFAULT_CONFIG = Path.of("/etc/bitville/pg-agent.json");
  private static final long EXIT_GRACE_MS = 10_000;

  private PgAgentMain() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    Path configFile = configFile(args, env);
    AgentConfig config;
    try {
      config = ConfigLoader.load(configFile, env);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    AgentSupervisor supervisor = new AgentSupervisor(vertx, configFile, env);
    try {
      supervisor.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("pg-agent failed to start", e);
      System.exit(1);
    }
    long graceMs = config.delivery().shutdownDrainMs() + EXIT_GRACE_MS;
    Signal.handle(new Signal("TERM"), s -> shutdown(vertx, supervisor, graceMs));
    Signal.handle(new Signal("INT"), s -> shutdown(vertx, supervisor, graceMs));
    if (Signal.handle(new Signal("HUP"), s -> supervisor.reload()) == SignalHandler.SIG_IGN) {
      // the JVM keeps a signal ignored when it was ignored at start (nohup does that): say so instead of
      // silently never reloading
      LOG.warn("SIGHUP was ignored by whatever started the pg-agent (nohup?): a reload will not happen; "
          + "restart the agent to apply a changed configuration");
    }
  }

  private static void shutdown(Vertx vertx, AgentSupervisor supervisor, long graceMs) {
    LOG.info("stopping: flushing queued records to disk");
    try {
      supervisor.stopAgent().toCompletionStage().toCompletableFuture().get(graceMs, TimeUnit.MILLISECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      LOG.info("stopped");
      System.exit(0);
    } catch (Exception e) {
      LOG.error("shutdown did not finish in {} ms; exiting anyway", graceMs, e);
      System.exit(1);
    }
  }

  private static Path configFile(String[] args, Map<String, String> env) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--config")) {
        return Path.of(args[i + 1]);
      }
    }
    String fromEnv = env.get(ConfigLoader.ENV_CONFIG_FILE);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return Files.exists(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null;
  }
}
