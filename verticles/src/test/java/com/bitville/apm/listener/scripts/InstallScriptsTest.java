package com.bitville.apm.listener.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Script;
import com.bitville.apm.listener.testsupport.SystemdVerify;
import com.bitville.apm.listener.testsupport.TestListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
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
      assertEquals("rwxrwx---", mode(root.resolve("var/lib/bitville-apm/buffer")));
      String service = Files.readString(root.resolve("etc/systemd/system/bitville-import-php-buffer.service"));
      for (String line : List.of("User=www-data", "ProtectSystem=strict", "NoNewPrivileges=yes",
          "ReadWritePaths=/var/lib/bitville-apm/buffer", "CapabilityBoundingSet=\n",
          "SystemCallFilter=@system-service")) {
        assertTrue(service.contains(line), line);
      }
      assertEquals("", SystemdVerify.verify(root, List.of("/etc/systemd/system/bitville-import-php-buffer.service",
          "/etc/systemd/system/bitville-import-php-buffer.timer")));

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

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
