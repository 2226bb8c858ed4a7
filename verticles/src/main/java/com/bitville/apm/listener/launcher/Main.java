package com.bitville.apm.listener.launcher;

import com.bitville.apm.listener.config.ConfigException;
import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.config.DeploymentPlan;
import com.bitville.apm.listener.config.IngestSettings;
import com.bitville.apm.listener.config.ManagementSettings;
import com.bitville.apm.listener.config.TlsSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the listener jar: {@code java -jar listener.jar [--conf FILE] [--cluster]}. Exit codes:
 * 0 after a clean shutdown, 1 when start-up failed, 2 for a configuration error.
 * {@code --hash-password} reads one password line from stdin and prints its bcrypt hash (for
 * {@code users.<name>.passwordHash}; used by scripts/install-listener), so that no password is ever an argument.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  private static final Path DEFAULT_CONFIG = Path.of("conf", "listener.json");

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    Path configFile = null;
    boolean cluster = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--conf", "-conf" -> configFile = Path.of(args[++i]);
        case "--cluster", "-cluster" -> cluster = true;
        case "--hash-password" -> {
          printPasswordHash();
          return;
        }
        default -> {
          System.err.println("usage: listener [--conf FILE] [--cluster] | --hash-password < password");
          System.exit(2);
        }
      }
    }
    if (configFile == null && Files.isRegularFile(DEFAULT_CONFIG)) {
      configFile = DEFAULT_CONFIG;
    }
    run(configFile, cluster);
  }

  private static void printPasswordHash() throws java.io.IOException {
    String password = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
        java.nio.charset.StandardCharsets.UTF_8)).readLine();
    if (password == null || password.isEmpty()) {
      System.err.println("--hash-password: give the password on stdin");
      System.exit(2);
    }
    System.out.println(com.bitville.apm.listener.query.Passwords.hash(password.toCharArray(),
        com.bitville.apm.listener.query.Passwords.DEFAULT_COST));
  }

  private static void run(Path configFile, boolean cluster) throws Exception {
    FirstStart.Outcome prepared;
    try {
      JsonObject config = loadConfig(configFile);
      ListenerNode.validate(config);
      prepared = FirstStart.prepare(config);
    } catch (ConfigException e) {
      System.err.println("Configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    ListenerNode node;
    try {
      node = ListenerNode.start(prepared.config(), cluster).toCompletionStage().toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      System.err.println((cause instanceof ConfigException ? "Configuration error: " : "Start-up failed: ")
          + cause.getMessage());
      System.exit(cause instanceof ConfigException ? 2 : 1);
      return;
    }
    ShutdownSignals.install(node);
    printBanner(System.out, prepared);
  }

  private static JsonObject loadConfig(Path configFile) throws Exception {
    Vertx bootstrap = Vertx.vertx();
    try {
      return ConfigLoader.load(bootstrap, configFile, System.getenv()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof ConfigException config) {
        throw config;
      }
      throw e;
    } finally {
      bootstrap.close();
    }
  }

  private static void printBanner(PrintStream out, FirstStart.Outcome prepared) {
    JsonObject config = prepared.config();
    boolean tls = TlsSettings.from(config).enabled();
    String scheme = tls ? "https" : "http";
    IngestSettings ingest = IngestSettings.from(config);
    DeploymentPlan plan = ListenerNode.validate(config);
    out.println();
    out.println("Bitville APM listener is ready.");
    if (plan.instancesOf(Component.HTTP_INGEST) > 0) {
      out.println("  Ingest URL:     " + scheme + "://localhost:" + ingest.port() + "/ingest/php  (and /ingest/postgres)");
    }
    if (plan.instancesOf(Component.QUERY_SERVER) > 0) {
      int uiPort = com.bitville.apm.listener.config.QuerySettings.from(config).port();
      out.println("  UI URL:         " + scheme + "://localhost:" + uiPort + "/");
    }
    if (prepared.generatedAdminPassword() != null) {
      out.println("  UI login:       user '" + FirstStart.ADMIN_USER + "', password (shown once, only its hash is"
          + " kept):");
      out.println("      " + prepared.generatedAdminPassword());
    }
    ManagementSettings management = ManagementSettings.from(config);
    out.println("  Management:     http://" + management.host() + ":" + management.port() + "/ready");
    if (!tls) {
      LOG.warn("TLS IS DISABLED (tls.enabled=false): API keys and payloads travel in clear text. Development only.");
    } else if (prepared.certificatePem() != null) {
      out.println("  Certificate:    " + prepared.certificatePem() + "  (SHA-256 " + fingerprint(prepared.certificatePem())
          + ")");
    }
    if (prepared.generatedApiKey() != null) {
      out.println("  API key for project '" + FirstStart.DEFAULT_PROJECT + "' (shown once, only its hash is kept):");
      out.println("      " + prepared.generatedApiKey());
    }
    out.println();
    out.flush();
  }

  static String fingerprint(Path pem) {
    try (var in = Files.newInputStream(pem)) {
      X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return HexFormat.ofDelimiter(":").withUpperCase()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (Exception e) {
      return "unreadable";
    }
  }
}
