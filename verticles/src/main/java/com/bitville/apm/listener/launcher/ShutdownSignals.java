package com.bitville.apm.listener.launcher;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM/SIGINT start a graceful shutdown (stop accepting, finish in-flight requests, commit, close);
 * a second signal, or the 30 s deadline, forces the exit.
 */
final class ShutdownSignals {

  private static final Logger LOG = LoggerFactory.getLogger(ShutdownSignals.class);
  private static final AtomicBoolean STOPPING = new AtomicBoolean();

  private ShutdownSignals() {
  }

  static void install(ListenerNode node) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> onSignal(node, signal.getName()));
    }
  }

  private static void onSignal(ListenerNode node, String signal) {
    if (!STOPPING.compareAndSet(false, true)) {
      LOG.warn("Second SIG{}: exiting immediately", signal);
      Runtime.getRuntime().halt(130);
      return;
    }
    LOG.info("SIG{} received: shutting down gracefully (send it again to force)", signal);
    Thread watchdog = new Thread(() -> {
      try {
        TimeUnit.MILLISECONDS.sleep(ListenerNode.SHUTDOWN_DEADLINE_MS + 2_000);
        LOG.error("Shutdown deadline passed: forcing exit");
        Runtime.getRuntime().halt(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    node.shutdown().onComplete(done -> {
      if (done.failed()) {
        LOG.error("Shutdown did not complete cleanly: {}", done.cause().getMessage());
      } else {
        LOG.info("Shutdown complete");
      }
      int status = done.succeeded() ? 0 : 1;
      new Thread(() -> System.exit(status), "exit").start();
    });
  }
}
