package com.bitville.apm.pgagent.deliver;

import com.bitville.apm.pgagent.config.AgentConfig;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued batches, oldest first, one at a time, for as long as the agent runs (not only at start): after each
 * answer it moves on at once; when the queue is empty it sleeps until woken by a new batch. Retryable failures wait
 * with exponential backoff, never less than the listener's Retry-After; the circuit breaker stops hammering a
 * listener that keeps failing. A batch leaves the disk only after an answer settled its fate.
 */
public final class Shipper {

  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
  private static final long IDLE_POLL_MS = 1000;

  private final Vertx vertx;
  private final AgentConfig.Delivery config;
  private final DiskQueue queue;
  private final ListenerClient client;
  private final CircuitBreaker breaker;
  private final DeliveryStats stats = new DeliveryStats();
  private long backoffMs;
  private boolean running;
  private boolean sending;
  private boolean idle;
  private long timerId = -1;

  public Shipper(Vertx vertx, AgentConfig.Delivery config, DiskQueue queue) {
    this.vertx = vertx;
    this.config = config;
    this.queue = queue;
    this.client = new ListenerClient(vertx, config);
    this.backoffMs = config.retryInitialMs();
    this.breaker = CircuitBreaker.create("pg-agent-delivery", vertx, new CircuitBreakerOptions()
            .setMaxFailures(config.breakerMaxFailures())
            .setTimeout(config.requestTimeoutMs() + 1000)
            .setResetTimeout(config.breakerResetMs()))
        .openHandler(v -> LOG.warn("listener circuit open: pausing delivery for {} ms", config.breakerResetMs()))
        .halfOpenHandler(v -> LOG.info("listener circuit half-open: trying one batch"))
        .closeHandler(v -> LOG.info("listener circuit closed: delivering normally"));
  }

  public void start() {
    running = true;
    sendNext();
  }

  public void stop() {
    running = false;
    vertx.cancelTimer(timerId);
    breaker.close();
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
          schedule(done.succeeded() && done.result() ? 0 : done.succeeded() ? IDLE_POLL_MS : nextDelay(done.cause()));
        });
  }

  /** True when a batch was settled (so the next one can go at once). */
  private Future<Boolean> deliverIfAny(Optional<DiskQueue.Batch> next) {
    return next.isEmpty() ? Future.succeededFuture(false) : deliver(next.get());
  }

  private Future<Boolean> deliver(DiskQueue.Batch batch) {
    return breaker.<ListenerAnswer>execute(() -> client.post(batch.body()).compose(this::failIfRetryable))
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
    }
  }
}
