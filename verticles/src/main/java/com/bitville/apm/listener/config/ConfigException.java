package com.bitville.apm.listener.config;

/** A configuration value that stops start-up; the message names the key and what is expected. */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
