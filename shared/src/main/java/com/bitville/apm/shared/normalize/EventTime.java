package com.bitville.apm.shared.normalize;

/** Agent timestamps are float seconds; a value that is clearly milliseconds is accepted and converted. */
public final class EventTime {

  /** 5138-11-16 in seconds: anything above is a millisecond timestamp. */
  private static final double SECONDS_CEILING = 1e11;

  private EventTime() {
  }

  public static long toMillis(double timestamp, String path) {
    if (timestamp <= 0) {
      throw new InvalidPayloadException(path + " must be a positive Unix timestamp in seconds");
    }
    double millis = timestamp >= SECONDS_CEILING ? timestamp : timestamp * 1000.0;
    if (millis >= SECONDS_CEILING * 1000.0) {
      throw new InvalidPayloadException(path + " is too far in the future to be a Unix timestamp");
    }
    return Math.round(millis);
  }
}
