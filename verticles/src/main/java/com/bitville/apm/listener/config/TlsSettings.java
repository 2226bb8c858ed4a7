package com.bitville.apm.listener.config;

import io.vertx.core.json.JsonObject;

/**
 * TLS for the agent and UI ports. Either a configured PEM certificate and key, or (zero-config) a
 * self-signed PKCS#12 keystore that the launcher generates in the data directory and records here as
 * {@code generatedKeystore}/{@code generatedKeystorePassword}. Plain HTTP only with {@code tls.enabled=false},
 * a development switch that is logged loudly.
 */
public record TlsSettings(boolean enabled, String certPath, String keyPath, String generatedKeystore,
    String generatedKeystorePassword) {

  public static TlsSettings from(JsonObject config) {
    ConfigReader tls = new ConfigReader(config, "tls");
    String cert = tls.string("certPath");
    String key = tls.string("keyPath");
    if (cert.isBlank() != key.isBlank()) {
      throw new ConfigException("tls.certPath and tls.keyPath must be set together (BITVILLE_TLS_CERT_PATH, "
          + "BITVILLE_TLS_KEY_PATH)");
    }
    return new TlsSettings(tls.bool("enabled"), cert.isBlank() ? null : cert, key.isBlank() ? null : key,
        blankToNull(tls.string("generatedKeystore", "")), blankToNull(tls.string("generatedKeystorePassword", "")));
  }

  public boolean hasConfiguredCertificate() {
    return certPath != null;
  }

  private static String blankToNull(String value) {
    return value.isBlank() ? null : value;
  }
}
