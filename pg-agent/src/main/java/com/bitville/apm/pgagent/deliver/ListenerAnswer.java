package com.bitville.apm.pgagent.deliver;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * What the listener said about one batch, and what that means for the batch (OTLP's client contract): 2xx
 * delivered; 400/401/403/413/415 and other 4xx permanent (retrying cannot help); 429, 5xx retried later,
 * no earlier than {@code Retry-After}.
 */
public record ListenerAnswer(int status, long retryAfterMs, String body) {

  public boolean delivered() {
    return status >= 200 && status < 300;
  }

  public boolean retryable() {
    return status == 408 || status == 429 || status >= 500;
  }

  public boolean permanent() {
    return !delivered() && !retryable();
  }

  /** A 200 for a batch may still refuse some items ({@code "rejected": [{index, error}]}); they are not retried. */
  public int rejectedCount() {
    if (!delivered() || body == null || !body.contains("rejected")) {
      return 0;
    }
    try {
      var rejected = new io.vertx.core.json.JsonObject(body).getJsonArray("rejected");
      return rejected == null ? 0 : rejected.size();
    } catch (RuntimeException notJson) {
      return 0;
    }
  }

  /** Seconds or an HTTP date; -1 when absent or unreadable. */
  public static long parseRetryAfter(String header, long nowMs) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, Long.parseLong(header.trim()) * 1000);
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.ofMillis(at.toInstant().toEpochMilli() - nowMs).toMillis());
      } catch (DateTimeParseException e) {
        return -1;
      }
    }
  }
}
