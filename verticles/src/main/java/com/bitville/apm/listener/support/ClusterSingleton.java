package com.bitville.apm.listener.support;

import com.bitville.apm.listener.config.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a verticle that every node may deploy do its work on one node of the cluster only: the holder of a
 * cluster-wide lock is active, the others stand by and try again every {@code retryMs}, so one of them takes
 * over when the active node stops (it releases the lock) or leaves the cluster. Without a cluster it is simply
 * active. The active node answers on the component's cluster-wide active address with its name, so that
 * {@code /ready} on every node can say where the work runs, or that no node answers. Used by the retention and GELF forwarding verticles: two of either would delete or forward the same
 * records twice.
 */
public final class ClusterSingleton {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSingleton.class);
  private static final long TRY_TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final String lockName;
  private final long retryMs;
  private final String activeAddress;
  private final String nodeName;
  private MessageConsumer<JsonObject> announcement;
  private Supplier<Future<Void>> onActive;
  private Lock lock;
  private long timerId = -1;
  private boolean stopped;

  /**
   * @param component the component (its active address is answered while this node is the active one)
   * @param nodeName this node's name, the answer on the active address
   */
  public ClusterSingleton(Vertx vertx, String lockName, long retryMs, Component component, String nodeName) {
    this.vertx = vertx;
    this.lockName = lockName;
    this.retryMs = retryMs;
    this.activeAddress = component.activeAddress().orElseThrow(() -> new IllegalArgumentException(
        component.configName() + " is not a one-active-per-cluster component"));
    this.nodeName = nodeName;
  }

  /**
   * Tries to become the active node. If this node gets the lock now, the result is {@code onActive}'s own
   * (so a verticle's start fails as before when its work cannot start); otherwise the node stands by, the
   * result succeeds at once, and {@code onActive} runs later if this node takes over.
   */
  public Future<Void> start(Supplier<Future<Void>> onActive) {
    this.onActive = onActive;
    return tryAcquire(true);
  }

  public boolean active() {
    return lock != null;
  }

  /** "active" or "standby", for status pages. */
  public String role() {
    return active() ? "active" : "standby";
  }

  /** Stops trying and hands the work to a standby node. */
  public void stop() {
    stopped = true;
    vertx.cancelTimer(timerId);
    releaseLock();
  }

  private void releaseLock() {
    if (announcement != null) {
      announcement.unregister();
      announcement = null;
    }
    if (lock != null) {
      lock.release();
      lock = null;
    }
  }

  private void announce() {
    if (lock != null && announcement == null) {
      announcement = vertx.eventBus().consumer(activeAddress, msg -> msg.reply(new JsonObject().put("node", nodeName)));
    }
  }

  private Future<Void> tryAcquire(boolean first) {
    if (stopped) {
      return Future.succeededFuture();
    }
    return vertx.sharedData().getLockWithTimeout(lockName, TRY_TIMEOUT_MS).transform(result -> {
      if (result.succeeded() && stopped) {
        result.result().release();
        return Future.succeededFuture();
      }
      if (result.succeeded()) {
        lock = result.result();
        LOG.info("This node is now the active one for {}", lockName);
        return onActive.get().onSuccess(v -> announce()).onFailure(e -> {
          LOG.error("Could not start the work of {}; handing it over", lockName, e);
          releaseLock();
          if (!first) {
            timerId = vertx.setTimer(retryMs, id -> tryAcquire(false));
          }
        });
      }
      if (first) {
        LOG.info("{} is held by another node; this one stands by", lockName);
      }
      timerId = vertx.setTimer(retryMs, id -> tryAcquire(false));
      return Future.succeededFuture();
    });
  }
}
