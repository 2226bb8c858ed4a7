package com.bitville.apm.pgagent.deliver;

/** A 429/5xx answer, turned into a failure so the circuit breaker counts it. */
final class RetryableAnswerException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient ListenerAnswer answer;

  RetryableAnswerException(ListenerAnswer answer) {
    super("listener answered " + answer.status(), null, false, false);
    this.answer = answer;
  }

  ListenerAnswer answer() {
    return answer;
  }
}
