package com.bitville.apm.pgagent.logs;

import java.io.IOException;

/** The server log cannot be reached by the agent's user: the reason an operator must fix, already worded. */
final class LogAccessException extends IOException {

  LogAccessException(String message) {
    super(message);
  }
}
