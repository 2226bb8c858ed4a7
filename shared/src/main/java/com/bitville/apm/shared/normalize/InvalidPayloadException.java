package com.bitville.apm.shared.normalize;

/** A payload that cannot be stored meaningfully; the message names the JSON path and what is wrong with it. */
public final class InvalidPayloadException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public InvalidPayloadException(String message) {
    super(message, null, false, false);
  }
}
