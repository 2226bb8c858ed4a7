package com.bitville.apm.listener.config;

import com.bitville.apm.shared.php.SqlSecretRedactor;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Redaction of secret-looking SQL literals in PHP payloads before they are stored or forwarded (the agent's own
 * redaction misses cases, e.g. a plain-text password in an INSERT). Same settings for HTTPS and UDP ingest.
 */
public record RedactionSettings(boolean enabled, String secretNames, List<String> valuePatterns, boolean cardNumbers) {

  public static RedactionSettings from(JsonObject config) {
    ConfigReader redaction = new ConfigReader(config, "ingest").child("redaction");
    String names = redaction.string("secretNames");
    List<String> values = redaction.strings("valuePatterns");
    compiles("ingest.redaction.secretNames", names);
    values.forEach(value -> compiles("ingest.redaction.valuePatterns", value));
    return new RedactionSettings(redaction.bool("enabled"), names, values, redaction.bool("cardNumbers"));
  }

  /** The redactor these settings describe; null when redaction is off. */
  public SqlSecretRedactor redactor() {
    return enabled ? new SqlSecretRedactor(secretNames, valuePatterns, cardNumbers) : null;
  }

  private static void compiles(String key, String regex) {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(key + " is not a valid regular expression: " + e.getDescription());
    }
  }
}
