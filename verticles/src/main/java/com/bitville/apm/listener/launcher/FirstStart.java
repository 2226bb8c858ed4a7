package com.bitville.apm.listener.launcher;

import com.bitville.apm.listener.config.ApiKeyHash;
import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.ProjectSettings;
import com.bitville.apm.listener.config.TlsSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Zero-config start: creates the data directory, a self-signed certificate (reused on later starts) and,
 * when no API key is configured at all, one key for project {@code default} whose plain text is shown once
 * and whose hash is kept. Runs on the main thread before Vert.x deploys anything.
 */
public final class FirstStart {

  /** What the banner should say about secrets created during this start (shown once, never logged). */
  public record Outcome(JsonObject config, String generatedApiKey, Path certificatePem,
      String generatedAdminPassword) {

    public Outcome(JsonObject config, String generatedApiKey, Path certificatePem) {
      this(config, generatedApiKey, certificatePem, null);
    }
  }

  static final String ADMIN_USER = "admin";

  static final String DEFAULT_PROJECT = "default";
  private static final SecureRandom RANDOM = new SecureRandom();

  private FirstStart() {
  }

  public static Outcome prepare(JsonObject config) throws IOException {
    NodeSettings node = NodeSettings.from(config);
    createPrivateDirectory(node.dataDir());
    JsonObject prepared = config.copy();
    Path certificate = ensureCertificate(prepared, node.dataDir());
    String generatedKey = ensureApiKey(prepared, node.dataDir());
    String adminPassword = ensureAdminUser(prepared, node.dataDir());
    return new Outcome(prepared, generatedKey, certificate, adminPassword);
  }

  private static Path ensureCertificate(JsonObject config, Path dataDir) throws IOException {
    TlsSettings tls = TlsSettings.from(config);
    if (!tls.enabled()) {
      return null;
    }
    if (tls.hasConfiguredCertificate()) {
      return Path.of(tls.certPath());
    }
    Path tlsDir = dataDir.resolve("tls");
    SelfSignedCertificate generated = SelfSignedCertificate.ensure(tlsDir);
    config.getJsonObject("tls").put("generatedKeystore", generated.keystore().toString())
        .put("generatedKeystorePassword", generated.password());
    return generated.certificatePem();
  }

  /** Returns the plain key when one was created now; null otherwise. */
  private static String ensureApiKey(JsonObject config, Path dataDir) throws IOException {
    boolean anyKey = ProjectSettings.from(config).values().stream().anyMatch(p -> !p.keyHashes().isEmpty());
    if (anyKey) {
      return null;
    }
    Path stored = dataDir.resolve("generated-api-key.json");
    String created = null;
    if (!Files.exists(stored)) {
      created = "bv_" + randomToken(32);
      JsonObject record = new JsonObject().put("project", DEFAULT_PROJECT)
          .put("sha256", HexFormat.of().formatHex(ApiKeyHash.of(created)))
          .put("note", "hash of the API key generated at first start; the key itself was shown once");
      writePrivate(stored, record.encodePrettily());
    }
    JsonObject record = new JsonObject(Files.readString(stored));
    JsonObject projects = config.getJsonObject("projects", new JsonObject());
    config.put("projects", projects);
    JsonObject project = projects.getJsonObject(record.getString("project"), new JsonObject());
    projects.put(record.getString("project"), project);
    project.put("keyHashes", new JsonArray(List.of(record.getString("sha256"))));
    return created;
  }

  /**
   * When no UI user is configured, an administrator (all projects) with a random password that the banner
   * shows once; only its bcrypt hash is kept in the data directory and reused on later starts.
   */
  private static String ensureAdminUser(JsonObject config, Path dataDir) throws IOException {
    if (!com.bitville.apm.listener.config.UserSettings.from(config).isEmpty()) {
      return null;
    }
    Path stored = dataDir.resolve("generated-admin-user.json");
    String created = null;
    if (!Files.exists(stored)) {
      created = randomToken(15);
      JsonObject record = new JsonObject().put("user", ADMIN_USER)
          .put("passwordHash", com.bitville.apm.listener.query.Passwords.hash(created.toCharArray(),
              com.bitville.apm.listener.query.Passwords.DEFAULT_COST))
          .put("note", "bcrypt hash of the admin password generated at first start; the password was shown once."
              + " Configure users in the 'users' section to replace this account.");
      writePrivate(stored, record.encodePrettily());
    }
    JsonObject record = new JsonObject(Files.readString(stored));
    JsonObject users = new JsonObject().put(record.getString("user"), new JsonObject()
        .put("passwordHash", record.getString("passwordHash")).put("projects", "*"));
    config.put("users", users);
    return created;
  }

  static String randomToken(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  static void createPrivateDirectory(Path directory) throws IOException {
    Files.createDirectories(directory);
    try {
      Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: rely on the platform's defaults
    }
  }

  static void writePrivate(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temporary, content, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
