package com.bitville.apm.pgagent.deliver;

import com.bitville.apm.pgagent.config.AgentConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued batches, oldest first, one at a time, for as long as the agent runs (not only at start): after each
 * answer it moves on at once; when the queue is empty it sleeps until woken by a new batch. Retryable failures wait
 * with exponential backoff, never less than the listener's Retry-After; the circuit breaker stops hammering a
 * listener that keeps failing. While a listener that could not be reached is waited for, a TCP connect every
 * {@code probe_interval_ms} notices its return, so delivery resumes within seconds instead of after the backoff.
 * A batch leaves the disk only after an answer settled its fate.
 */
public final class Shipper {

  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
  private static final long IDLE_POLL_MS = 1000;

  private final Vertx vertx;
  private final AgentConfig.Delivery config;
  private final DiskQueue queue;
  private final ListenerClient client;
  private final DeliveryBreaker breaker;
  private final NetClient prober;
  private final DeliveryStats stats = new DeliveryStats();
  private long backoffMs;
  private boolean running;
  private boolean sending;
  private boolean idle;
  private boolean unreachable;
  private long timerId = -1;
  private long probeTimerId = -1;

  public Shipper(Vertx vertx, AgentConfig.Delivery config, DiskQueue queue) {
    this.vertx = vertx;
    this.config = config;
    this.queue = queue;
    this.client = new ListenerClient(vertx, config);
    this.backoffMs = config.retryInitialMs();
    this.breaker = new DeliveryBreaker(config.breakerMaxFailures(), config.breakerResetMs());
    this.prober = vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) Math.min(config.probeIntervalMs(), config.requestTimeoutMs())));
  }

  public void start() {
    running = true;
    sendNext();
  }

  public void stop() {
    running = false;
    vertx.cancelTimer(timerId);
    vertx.cancelTimer(probeTimerId);
    prober.close();
    client.close();
  }

  public DeliveryStats stats() {
    return stats;
  }

  public String breakerState() {
    return breaker.state().name();
  }

  /** Called when a batch was queued: send now instead of at the next idle poll. */
  public void wake() {
    if (running && !sending && idle) {
      vertx.cancelTimer(timerId);
      sendNext();
    }
  }

  /**
   * Shutdown: pauses the regular loop, then sends until the queue is empty or a send fails, bounded by the
   * caller's timeout. A send of the loop still in flight may overlap once: delivery is at-least-once.
   */
  public Future<Void> drain() {
    running = false;
    vertx.cancelTimer(timerId);
    vertx.cancelTimer(probeTimerId);
    return drainQueue();
  }

  private Future<Void> drainQueue() {
    return vertx.executeBlocking(queue::peek).compose(next -> next.isEmpty() ? Future.succeededFuture()
        : deliver(next.get()).compose(moreToDo -> moreToDo ? drainQueue() : Future.succeededFuture()));
  }

  private void sendNext() {
    if (!running || sending) {
      return;
    }
    sending = true;
    vertx.executeBlocking(queue::peek)
        .compose(this::deliverIfAny)
        .onComplete(done -> {
          sending = false;
          if (done.failed() && done.cause() instanceof BreakerOpenException) {
            schedule(breaker.pauseLeftMs(System.currentTimeMillis()));
          } else {
            schedule(done.succeeded() && done.result() ? 0 : done.succeeded() ? IDLE_POLL_MS
                : nextDelay(done.cause()));
          }
        });
  }

  /** True when a batch was settled (so the next one can go at once). */
  private Future<Boolean> deliverIfAny(Optional<DiskQueue.Batch> next) {
    if (next.isEmpty()) {
      return Future.succeededFuture(false);
    }
    return breaker.allows(System.currentTimeMillis()) ? deliver(next.get())
        : Future.failedFuture(new BreakerOpenException());
  }

  private Future<Boolean> deliver(DiskQueue.Batch batch) {
    return client.post(batch.body()).compose(this::failIfRetryable)
        .onSuccess(answer -> {
          unreachable = false;
          breaker.success();
        })
        .compose(answer -> settle(batch, answer))
        .onFailure(this::noteFailure);
  }

  private Future<ListenerAnswer> failIfRetryable(ListenerAnswer answer) {
    return answer.retryable() ? Future.failedFuture(new RetryableAnswerException(answer))
        : Future.succeededFuture(answer);
  }

  private Future<Boolean> settle(DiskQueue.Batch batch, ListenerAnswer answer) {
    stats.lastStatus = answer.status();
    backoffMs = config.retryInitialMs();
    if (answer.delivered()) {
      int rejected = answer.rejectedCount();
      stats.sentBatches++;
      stats.sentRecords += batch.records() - rejected;
      if (rejected > 0) {
        stats.droppedPermanentRecords += rejected;
        LOG.error("listener rejected {} of {} records as invalid (not retried): {}", rejected, batch.records(),
            answer.body());
      }
    } else {
      stats.droppedPermanentBatches++;
      stats.droppedPermanentRecords += batch.records();
      stats.lastError = "HTTP " + answer.status() + " " + answer.body();
      LOG.error("listener refused a batch of {} records permanently (HTTP {}: {}); dropped it ({} dropped so far)",
          batch.records(), answer.status(), answer.body(), stats.droppedPermanentRecords);
    }
    return vertx.executeBlocking(() -> {
      queue.remove(batch);
      return true;
    });
  }

  private void noteFailure(Throwable failure) {
    breaker.failure(System.currentTimeMillis());
    unreachable = !(failure instanceof RetryableAnswerException);
    stats.retries++;
    if (failure instanceof RetryableAnswerException retry) {
      stats.lastStatus = retry.answer().status();
      stats.lastError = "HTTP " + retry.answer().status();
    } else {
      stats.lastError = String.valueOf(failure.getMessage());
    }
    LOG.warn("delivery failed ({}); will retry", stats.lastError);
  }

  private long nextDelay(Throwable failure) {
    long delay = backoffMs;
    backoffMs = Math.min(backoffMs * 2, config.retryMaxMs());
    if (failure instanceof RetryableAnswerException retry && retry.answer().retryAfterMs() > delay) {
      delay = retry.answer().retryAfterMs();
    }
    return delay;
  }

  private void schedule(long delayMs) {
    if (!running) {
      return;
    }
    // only an idle wait may be cut short by wake(); a retry wait must honour backoff and Retry-After
    idle = delayMs == IDLE_POLL_MS;
    if (delayMs <= 0) {
      vertx.runOnContext(v -> sendNext());
    } else {
      timerId = vertx.setTimer(delayMs, id -> sendNext());
      if (unreachable && delayMs > config.probeIntervalMs()) {
        scheduleProbe();
      }
    }
  }

  /**
   * A listener that answered with an error is left to its Retry-After and the backoff; one that could not be
   * reached is probed with a bare TCP connect, and the wait is cut short as soon as it accepts connections.
   */
  private void scheduleProbe() {
    vertx.cancelTimer(probeTimerId);
    probeTimerId = vertx.setTimer(config.probeIntervalMs(), id -> prober
        .connect(port(), config.url().getHost())
        .onSuccess(socket -> {
          socket.close();
          listenerBack();
        })
        .onFailure(e -> {
          if (running && unreachable && !sending) {
            scheduleProbe();
          }
        }));
  }

  private void listenerBack() {
    if (!running || sending || !unreachable) {
      return;
    }
    LOG.info("listener accepts connections again: delivering now");
    unreachable = false;
    backoffMs = config.retryInitialMs();
    breaker.listenerReachable();
    vertx.cancelTimer(timerId);
    sendNext();
  }

  private int port() {
    int port = config.url().getPort();
    return port > 0 ? port : 443;
  }

  /** The breaker is open: nothing is sent until its pause ends or a probe finds the listener back. */
  private static final class BreakerOpenException extends RuntimeException {
    BreakerOpenException() {
      super("circuit open", null, false, false);
    }
  }
}
