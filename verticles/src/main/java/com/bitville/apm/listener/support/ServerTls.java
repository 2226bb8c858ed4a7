package com.bitville.apm.listener.support;

import com.bitville.apm.listener.config.TlsSettings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PfxOptions;
import java.util.List;
import java.util.Set;

/**
 * Applies the node's TLS settings to an HTTPS server: TLS 1.2+ with the configured or generated certificate,
 * and only AEAD cipher suites with forward secrecy (no CBC, no static RSA key exchange).
 */
public final class ServerTls {

  /** TLS 1.3's suites (all AEAD) and TLS 1.2's ECDHE suites with AES-GCM or ChaCha20-Poly1305. */
  public static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private ServerTls() {
  }

  public static HttpServerOptions apply(HttpServerOptions options, JsonObject config) {
    TlsSettings tls = TlsSettings.from(config);
    if (!tls.enabled()) {
      return options.setSsl(false);
    }
    options.setSsl(true).setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
    CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
    if (tls.hasConfiguredCertificate()) {
      return options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()));
    }
    if (tls.generatedKeystore() == null) {
      throw new IllegalStateException("TLS is on but no certificate is configured or generated");
    }
    return options.setKeyCertOptions(new PfxOptions().setPath(tls.generatedKeystore())
        .setPassword(tls.generatedKeystorePassword()));
  }
}
