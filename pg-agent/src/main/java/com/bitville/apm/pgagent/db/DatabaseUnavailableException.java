package com.bitville.apm.pgagent.db;

/** The agent is not connected and is waiting out its backoff; collectors skip their sample quietly. */
public class DatabaseUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public DatabaseUnavailableException(String message) {
    super(message, null, false, false);
  }
}
