package com.bitville.apm.listener.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.PemTrust;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Both HTTPS servers: a deadline for request headers, and AEAD-only TLS cipher suites")
class ServerHardeningTest {

  private static final int HEADER_TIMEOUT_MS = 2_000;
  private static final int IDLE_TIMEOUT_S = 3;
  private static TestListener listener;
  private static SSLContext tls;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start(new JsonObject()
        .put("ingest", new JsonObject().put("headerTimeoutMs", HEADER_TIMEOUT_MS)
            .put("idleTimeoutSeconds", IDLE_TIMEOUT_S))
        .put("query", new JsonObject().put("headerTimeoutMs", HEADER_TIMEOUT_MS)
            .put("idleTimeoutSeconds", IDLE_TIMEOUT_S)));
    tls = PemTrust.trusting(listener.certificate());
  }

  @AfterAll
  static void stop() throws Exception {
    listener.close();
  }

  @Test
  @DisplayName("A client trickling its headers one byte a second is cut off at the header deadline, on both ports")
  void trickledHeadersAreCutOff() throws Exception {
    for (int port : new int[] {listener.ingestPort(), listener.queryPort()}) {
      long heldMs = trickleUntilClosed(port, 30_000, false);
      assertTrue(heldMs < 15_000, "port " + port + " held a trickling client " + heldMs + " ms");
      assertTrue(heldMs >= HEADER_TIMEOUT_MS - 200, "not cut before the deadline: " + heldMs);
    }
  }

  @Test
  @DisplayName("After one answered request, a client trickling its next request's headers is cut off at the idle"
      + " timeout, on both ports")
  void trickledKeepAliveIsCutOff() throws Exception {
    for (int port : new int[] {listener.ingestPort(), listener.queryPort()}) {
      long heldMs = trickleUntilClosed(port, 30_000, true);
      assertTrue(heldMs < 15_000, "port " + port + " held a trickling kept-alive client " + heldMs + " ms");
      assertTrue(heldMs >= IDLE_TIMEOUT_S * 1_000 - 200, "not cut before the idle timeout: " + heldMs);
    }
  }

  @Test
  @DisplayName("TLS 1.2 CBC suites are refused, AEAD suites accepted, on both ports")
  void onlyAeadSuites() throws Exception {
    for (int port : new int[] {listener.ingestPort(), listener.queryPort()}) {
      for (String cbc : new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
          "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}) {
        assertThrows(IOException.class, () -> handshake(port, "TLSv1.2", cbc), port + " accepted " + cbc);
      }
      assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          handshake(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
      assertEquals("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          handshake(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));
      assertEquals("TLS_AES_128_GCM_SHA256", handshake(port, "TLSv1.3", "TLS_AES_128_GCM_SHA256"));
    }
  }

  private static String handshake(int port, String protocol, String suite) throws Exception {
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", port)) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      socket.setEnabledCipherSuites(new String[] {suite});
      socket.startHandshake();
      return socket.getSession().getCipherSuite();
    }
  }

  /**
   * Sends a request line, then one header byte a second; returns how long the server kept the connection.
   * With {@code afterOneRequest}, a complete request is sent and answered first on the same connection.
   */
  private static long trickleUntilClosed(int port, long maxMs, boolean afterOneRequest) throws Exception {
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", port)) {
      socket.setSoTimeout(20_000);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      if (afterOneRequest) {
        out.write("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        readAnswer(in);
      }
      socket.setSoTimeout(1_000);
      long started = System.currentTimeMillis();
      out.write("POST /ingest/php HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] header = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; System.currentTimeMillis() - started < maxMs; i++) {
        try {
          out.write(header[i % header.length]);
          out.flush();
          if (in.read() < 0) {
            return System.currentTimeMillis() - started;
          }
        } catch (SocketTimeoutException stillOpen) {
          // nothing to read within a second: keep trickling
        } catch (IOException closed) {
          return System.currentTimeMillis() - started;
        }
      }
      return System.currentTimeMillis() - started;
    }
  }

  /** Reads one answer's head and its Content-Length body. */
  private static void readAnswer(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before the answer's head: " + head);
      }
      head.append((char) b);
    }
    java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
        .matcher(head);
    int remaining = length.find() ? Integer.parseInt(length.group(1)) : 0;
    while (remaining-- > 0 && in.read() >= 0) {
      // the body
    }
  }
}
