package com.bitville.apm.listener.support;

import com.bitville.apm.listener.config.TlsSettings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PfxOptions;
import java.util.Set;

/** Applies the node's TLS settings to an HTTPS server: TLS 1.2+ with the configured or generated certificate. */
public final class ServerTls {

  private ServerTls() {
  }

  public static HttpServerOptions apply(HttpServerOptions options, JsonObject config) {
    TlsSettings tls = TlsSettings.from(config);
    if (!tls.enabled()) {
      return options.setSsl(false);
    }
    options.setSsl(true).setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"));
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
