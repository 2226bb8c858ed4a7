package com.bitville.apm.listener.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.ApiKeyHash;
import com.bitville.apm.listener.query.Passwords;
import com.bitville.apm.listener.testsupport.ScratchCheckout;
import com.bitville.apm.listener.testsupport.Script;
import com.bitville.apm.listener.testsupport.SystemdVerify;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The install scripts into a scratch root (--root): files, modes, settings, and systemd-analyze verify. */
class InstallScriptsTest {

  @Test
  @DisplayName("install-php-buffer-importer: script, settings (0640), units that verify; idempotent; uninstall keeps the buffer")
  void phpBufferImporter() throws Exception {
    Path root = Files.createTempDirectory("bitville-root-");
    try {
      Path ca = root.resolve("listener-cert.pem");
      Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
      List<String> args = List.of("--root", root.toString(), "--url", "https://apm.example.com:8443", "--key",
          "bv_test-key_0123456789", "--cacert", ca.toString());
      for (int run = 0; run < 2; run++) {
        Script.Result result = Script.run("install-php-buffer-importer", args);
        assertEquals(0, result.exitCode(), result.output());
      }
      assertEquals("rwxr-xr-x", mode(root.resolve("usr/local/bin/bitville-import-php-buffer")));
      Path env = root.resolve("etc/bitville/import-php-buffer.env");
      assertEquals("rw-r-----", mode(env));
      String settings = Files.readString(env);
      assertTrue(settings.contains("BITVILLE_URL=https://apm.example.com:8443\n"), settings);
      assertTrue(settings.contains("BITVILLE_KEY=bv_test-key_0123456789\n"), settings);
      assertTrue(settings.contains("BITVILLE_CACERT=/etc/bitville/listener-ca.pem\n"), settings);
      assertFalse(settings.contains("BITVILLE_MAX_ITEMS"), settings);
      assertEquals("rwxrwx---", mode(root.resolve("var/lib/bitville-apm/buffer")));
      String service = Files.readString(root.resolve("etc/systemd/system/bitville-import-php-buffer.service"));
      for (String line : List.of("User=www-data", "ProtectSystem=strict", "NoNewPrivileges=yes",
          "ReadWritePaths=/var/lib/bitville-apm/buffer", "CapabilityBoundingSet=\n",
          "SystemCallFilter=@system-service")) {
        assertTrue(service.contains(line), line);
      }
      assertEquals("", SystemdVerify.verify(root, List.of("/etc/systemd/system/bitville-import-php-buffer.service",
          "/etc/systemd/system/bitville-import-php-buffer.timer")));

      List<String> withMaxItems = new ArrayList<>(args);
      withMaxItems.addAll(List.of("--max-items", "200"));
      Script.Result limited = Script.run("install-php-buffer-importer", withMaxItems);
      assertEquals(0, limited.exitCode(), limited.output());
      assertTrue(Files.readString(env).contains("BITVILLE_MAX_ITEMS=200\n"), Files.readString(env));
      withMaxItems.set(withMaxItems.size() - 1, "0");
      assertEquals(2, Script.run("install-php-buffer-importer", withMaxItems).exitCode());

      Files.writeString(root.resolve("var/lib/bitville-apm/buffer/profile_1_a.json"), "{}");
      Script.Result uninstall = Script.run("install-php-buffer-importer", List.of("--root", root.toString(),
          "--uninstall"));
      assertEquals(0, uninstall.exitCode(), uninstall.output());
      assertFalse(Files.exists(env));
      assertFalse(Files.exists(root.resolve("etc/systemd/system/bitville-import-php-buffer.timer")));
      assertTrue(Files.exists(root.resolve("var/lib/bitville-apm/buffer/profile_1_a.json")));
    } finally {
      TestListener.deleteRecursively(root);
    }
  }

  @Test
  @DisplayName("install-listener: user, jar, generated config with key hashes and admin, modes, a unit that verifies; idempotent")
  void listener() throws Exception {
    Path root = Files.createTempDirectory("bitville-root-");
    try {
      seedSystemFiles(root);
      Path jar = ScratchCheckout.launcherJar(root.resolve("build/bitville-listener.jar"));
      Script.Result first = Script.run("install-listener", List.of("--root", root.toString(), "--jar", jar.toString(),
          "shop", "blog"));
      assertEquals(0, first.exitCode(), first.output());
      Map<String, String> keys = printedKeys(first.output());
      assertEquals(Set.of("shop", "blog"), keys.keySet(), first.output());
      String password = printedSecret(first.output(), "UI user 'admin'");

      JsonObject config = new JsonObject(Files.readString(root.resolve("etc/bitville/listener.json")));
      for (Map.Entry<String, String> key : keys.entrySet()) {
        assertEquals("sha256:" + HexFormat.of().formatHex(ApiKeyHash.of(key.getValue())), config
            .getJsonObject("projects").getJsonObject(key.getKey()).getJsonArray("keyHashes").getString(0));
      }
      JsonObject admin = config.getJsonObject("users").getJsonObject("admin");
      assertEquals("*", admin.getString("projects"));
      assertTrue(Passwords.verify(password, admin.getString("passwordHash")), "the printed password is the admin's");
      assertEquals("/var/lib/bitville", config.getJsonObject("node").getString("dataDir"));
      String all = Files.readString(root.resolve("etc/bitville/listener.json")) + first.output();
      assertFalse(Files.readString(root.resolve("etc/bitville/listener.json")).contains(password));

      assertTrue(Files.readString(root.resolve("etc/passwd")).contains("bitville:x:"), "system user");
      assertEquals("rw-r-----", mode(root.resolve("etc/bitville/listener.json")));
      assertEquals("rwxr-x---", mode(root.resolve("etc/bitville")));
      assertEquals("rwx------", mode(root.resolve("etc/bitville/listener-keys")));
      assertEquals("rwxr-x---", mode(root.resolve("var/lib/bitville")));
      assertEquals("rw-r--r--", mode(root.resolve("opt/bitville/listener/bitville-listener.jar")));
      String unit = Files.readString(root.resolve("etc/systemd/system/bitville-listener.service"));
      for (String line : List.of("User=bitville", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
          "NoNewPrivileges=yes", "CapabilityBoundingSet=\n", "RestrictAddressFamilies=", "SystemCallFilter=@system-service",
          "MemoryMax=", "Restart=on-failure")) {
        assertTrue(unit.contains(line), line);
      }
      Path java = root.resolve("usr/bin/java");
      Files.createDirectories(java.getParent());
      Files.writeString(java, "#!/bin/sh\n");
      Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
      assertEquals("", SystemdVerify.verify(root, List.of("/etc/systemd/system/bitville-listener.service")));

      Script.Result again = Script.run("install-listener", List.of("--root", root.toString(), "--jar", jar.toString(),
          "shop", "blog", "wiki"));
      assertEquals(0, again.exitCode(), again.output());
      assertEquals(Set.of("wiki"), printedKeys(again.output()).keySet(), "only the new project gets a key");
      JsonObject updated = new JsonObject(Files.readString(root.resolve("etc/bitville/listener.json")));
      assertEquals(config.getJsonObject("projects").getJsonObject("shop"),
          updated.getJsonObject("projects").getJsonObject("shop"));
      assertEquals(admin, updated.getJsonObject("users").getJsonObject("admin"));

      Script.Result uninstall = Script.run("install-listener", List.of("--root", root.toString(), "--uninstall"));
      assertEquals(0, uninstall.exitCode(), uninstall.output());
      assertFalse(Files.exists(root.resolve("etc/systemd/system/bitville-listener.service")));
      assertTrue(Files.isDirectory(root.resolve("var/lib/bitville")), "data kept");
      assertTrue(all.length() > 0);
    } finally {
      TestListener.deleteRecursively(root);
    }
  }

  /** What useradd needs in a scratch root. */
  private static void seedSystemFiles(Path root) throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
    Files.writeString(root.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
    Files.writeString(root.resolve("etc/gshadow"), "root:*::\n");
  }

  /**
   * A runnable listener jar for the installer (which hashes the admin password with it): the real launcher
   * from this build's classes, its dependencies named in the manifest (the shaded jar is built after the tests).
   */
  private static Map<String, String> printedKeys(String output) {
    Map<String, String> keys = new java.util.HashMap<>();
    Matcher matcher = Pattern.compile("API key for project '([a-z0-9_.-]+)' \\(shown once[^\\n]*\\n\\s+(bv_\\S+)")
        .matcher(output);
    while (matcher.find()) {
      keys.put(matcher.group(1), matcher.group(2));
    }
    return keys;
  }

  private static String printedSecret(String output, String label) {
    Matcher matcher = Pattern.compile(Pattern.quote(label) + "[^\\n]*shown once[^\\n]*\\n\\s+(\\S+)").matcher(output);
    assertTrue(matcher.find(), output);
    return matcher.group(1);
  }

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
