package com.bitville.apm.pgagent.config;

import java.util.List;

/** A configuration that cannot be used; the message names every bad key so an operator can fix them in one go. */
public class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("invalid pg-agent configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
