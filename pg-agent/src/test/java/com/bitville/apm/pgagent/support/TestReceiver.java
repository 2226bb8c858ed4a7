package com.bitville.apm.pgagent.support;

import com.bitville.apm.pgagent.deliver.PinnedTrustManager;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in listener: HTTPS with a self-signed certificate made by keytool for this test run, the real answer
 * contract (200 {accepted, ids}, 401 + WWW-Authenticate, 400, 503 + Retry-After), and a record of what arrived.
 */
public final class TestReceiver implements AutoCloseable {

  public static final String API_KEY = "test-key-123";
  private static final String PASSWORD = "changeit";
  private static Path keystore;
  private static Path certPem;
  private static String pin;

  private final Vertx vertx;
  private final int port;
  private final List<JsonObject> records = new CopyOnWriteArrayList<>();
  private final List<Integer> answered = new CopyOnWriteArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile IntSupplier status = () -> 200;
  private volatile String retryAfter = "1";
  private volatile boolean rejectFirstItem;
  private HttpServer server;

  public TestReceiver(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
  }

  public static synchronized void ensureCertificate() throws Exception {
    if (keystore != null) {
      return;
    }
    Path dir = Files.createTempDirectory("pgagent-cert-");
    dir.toFile().deleteOnExit();
    keystore = dir.resolve("listener.p12");
    certPem = dir.resolve("listener.pem");
    exec("keytool", "-genkeypair", "-alias", "listener", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    exec("keytool", "-exportcert", "-rfc", "-alias", "listener", "-keystore", keystore.toString(),
        "-storepass", PASSWORD, "-file", certPem.toString());
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, PASSWORD.toCharArray());
    }
    pin = PinnedTrustManager.fingerprint((X509Certificate) store.getCertificate("listener"));
    keystore.toFile().deleteOnExit();
    certPem.toFile().deleteOnExit();
  }

  public static String pin() {
    return pin;
  }

  public static Path certPem() {
    return certPem;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "https://127.0.0.1:" + port + "/ingest/postgres";
  }

  public TestReceiver start() throws Exception {
    ensureCertificate();
    server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setHost("127.0.0.1").setPort(port)
        .setKeyCertOptions(new PfxOptions().setPath(keystore.toString()).setPassword(PASSWORD)))
        .requestHandler(this::handle);
    Sql.await(server.listen());
    return this;
  }

  public void stop() {
    if (server != null) {
      Sql.await(server.close());
      server = null;
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** What to answer to the next requests with a valid key (200 by default). */
  public void answer(IntSupplier statusCode) {
    this.status = statusCode;
  }

  /** Answer 200 but refuse item 0 of each batch, as the listener does for partly invalid batches. */
  public void rejectFirstItem(boolean reject) {
    this.rejectFirstItem = reject;
  }

  public void retryAfter(String seconds) {
    this.retryAfter = seconds;
  }

  public List<JsonObject> records() {
    return new ArrayList<>(records);
  }

  public List<JsonObject> records(String source) {
    return records.stream().filter(r -> source.equals(r.getString("source"))).toList();
  }

  public List<Integer> answered() {
    return new ArrayList<>(answered);
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> respond(request, body));
  }

  private void respond(HttpServerRequest request, Buffer body) {
    if (!("Bearer " + API_KEY).equals(request.getHeader("Authorization"))) {
      send(request, 401, new JsonObject().put("error", "unauthorized"), "WWW-Authenticate", "Bearer");
      return;
    }
    List<JsonObject> batch;
    try {
      batch = parse(body, "gzip".equals(request.getHeader("Content-Encoding")));
    } catch (Exception e) {
      send(request, 400, new JsonObject().put("error", "bad_request").put("message", e.toString()), null, null);
      return;
    }
    int code = status.getAsInt();
    if (code == 200 && rejectFirstItem) {
      records.addAll(batch.subList(1, batch.size()));
      send(request, 200, new JsonObject().put("accepted", batch.size() - 1).put("rejected", new JsonArray()
          .add(new JsonObject().put("index", 0).put("error", "$.data.sessions must be an array"))), null, null);
    } else if (code == 200) {
      records.addAll(batch);
      JsonArray accepted = new JsonArray();
      batch.forEach(r -> accepted.add(ids.incrementAndGet()));
      send(request, 200, new JsonObject().put("accepted", batch.size()).put("ids", accepted), null, null);
    } else if (code == 429 || code == 503) {
      send(request, code, new JsonObject().put("error", "unavailable"), "Retry-After", retryAfter);
    } else {
      send(request, code, new JsonObject().put("error", "bad_request").put("message", "$.data is wrong"), null,
          null);
    }
  }

  private void send(HttpServerRequest request, int code, JsonObject body, String header, String value) {
    answered.add(code);
    var response = request.response().setStatusCode(code).putHeader("Content-Type", "application/json");
    if (header != null) {
      response.putHeader(header, value);
    }
    response.end(body.encode());
  }

  private static List<JsonObject> parse(Buffer body, boolean gzip) throws IOException {
    byte[] bytes = body.getBytes();
    if (gzip) {
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
        bytes = in.readAllBytes();
      }
    }
    List<JsonObject> batch = new ArrayList<>();
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        batch.add(new JsonObject(line));
      }
    }
    return batch;
  }

  private static void exec(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("failed: " + String.join(" ", command) + "\n" + output);
    }
  }
}
