package com.bitville.apm.pgagent.deliver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ListenerAnswerTest {

  @Test
  @DisplayName("Retry-After is read as seconds or as an HTTP date")
  void retryAfter() {
    long now = java.time.ZonedDateTime.parse("2026-11-23T19:00:00Z").toInstant().toEpochMilli();
    assertEquals(30_000, ListenerAnswer.parseRetryAfter("30", now));
    assertEquals(90_000, ListenerAnswer.parseRetryAfter("Mon, 23 Nov 2026 19:01:30 GMT", now));
    assertEquals(-1, ListenerAnswer.parseRetryAfter("soon", now));
    assertEquals(-1, ListenerAnswer.parseRetryAfter(null, now));
  }

  @Test
  @DisplayName("The answer contract: 2xx delivered, 4xx permanent, 408/429/5xx retryable")
  void classification() {
    assertTrue(new ListenerAnswer(200, -1, "").delivered());
    for (int permanent : new int[] {400, 401, 403, 413, 415}) {
      assertTrue(new ListenerAnswer(permanent, -1, "").permanent(), String.valueOf(permanent));
    }
    for (int retry : new int[] {408, 429, 500, 502, 503, 504}) {
      assertTrue(new ListenerAnswer(retry, -1, "").retryable(), String.valueOf(retry));
      assertFalse(new ListenerAnswer(retry, -1, "").permanent());
    }
  }
}
