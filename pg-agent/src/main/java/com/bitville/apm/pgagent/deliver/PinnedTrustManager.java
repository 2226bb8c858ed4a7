package com.bitville.apm.pgagent.deliver;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly one certificate: the listener's, identified by the SHA-256 of its DER encoding (what
 * {@code openssl x509 -noout -fingerprint -sha256} prints). This makes a self-signed listener certificate safe to
 * use without turning verification off: any other certificate, even one signed by a public CA, is refused.
 */
public final class PinnedTrustManager implements X509TrustManager {

  private final String pinHex;

  public PinnedTrustManager(String pinHex) {
    this.pinHex = pinHex.replace(":", "").toLowerCase(java.util.Locale.ROOT);
  }

  public static String fingerprint(X509Certificate certificate) throws CertificateEncodingException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("listener presented no certificate");
    }
    String actual = fingerprint(chain[0]);
    if (!MessageDigest.isEqual(actual.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        pinHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
      throw new CertificateException("listener certificate SHA-256 " + actual + " does not match the pinned "
          + pinHex);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("this trust manager only verifies the listener");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
