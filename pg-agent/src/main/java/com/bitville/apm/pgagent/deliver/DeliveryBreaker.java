package com.bitville.apm.pgagent.deliver;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Circuit breaker over consecutive failed deliveries, however far apart they are (the retry backoff spreads them
 * over minutes, so a breaker counting failures in a short rolling window would never open). Opens after
 * {@code maxFailures} failures in a row; after {@code resetMs} one trial batch goes through (half-open), whose
 * success closes it and whose failure opens it again.
 */
final class DeliveryBreaker {

  enum State { CLOSED, OPEN, HALF_OPEN }

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryBreaker.class);

  private final int maxFailures;
  private final long resetMs;
  private State state = State.CLOSED;
  private int failuresInARow;
  private long openedAtMs;

  DeliveryBreaker(int maxFailures, long resetMs) {
    this.maxFailures = maxFailures;
    this.resetMs = resetMs;
  }

  State state() {
    return state;
  }

  /** Whether a batch may be sent now; an open breaker whose pause is over lets one trial through. */
  boolean allows(long nowMs) {
    if (state == State.OPEN && nowMs - openedAtMs >= resetMs) {
      state = State.HALF_OPEN;
      LOG.info("listener circuit half-open: trying one batch");
    }
    return state != State.OPEN;
  }

  /** How long an open breaker still pauses delivery (0 when it does not). */
  long pauseLeftMs(long nowMs) {
    return state == State.OPEN ? Math.max(0, resetMs - (nowMs - openedAtMs)) : 0;
  }

  /** The listener answered again (a probe or a delivery): the next batch is the trial, sent at once. */
  void listenerReachable() {
    if (state == State.OPEN) {
      state = State.HALF_OPEN;
      LOG.info("listener reachable again: circuit half-open, trying one batch");
    }
  }

  void success() {
    failuresInARow = 0;
    if (state != State.CLOSED) {
      state = State.CLOSED;
      LOG.info("listener circuit closed: delivering normally");
    }
  }

  void failure(long nowMs) {
    failuresInARow++;
    if (state == State.HALF_OPEN || (state == State.CLOSED && failuresInARow >= maxFailures)) {
      state = State.OPEN;
      openedAtMs = nowMs;
      LOG.warn("listener circuit open after {} failed deliveries in a row: pausing delivery for {} ms "
          + "(a reachable listener ends the pause early)", failuresInARow, resetMs);
    }
  }
}
