package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.config.UserSettings;
import com.bitville.apm.listener.launcher.FirstStart;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Zero-config start creates an administrator whose password is shown once and only hashed on disk")
class FirstStartAdminTest {

  @Test
  @DisplayName("First start: admin with all projects, bcrypt hash on disk; second start: same hash, no password")
  void adminCreatedOnce() throws Exception {
    Path dataDir = Files.createTempDirectory("bitville-admin-");
    try {
      JsonObject config = ConfigLoader.defaults().put("node", new JsonObject().put("dataDir", dataDir.toString()))
          .put("tls", new JsonObject().put("enabled", false));
      FirstStart.Outcome first = FirstStart.prepare(config);
      String password = first.generatedAdminPassword();
      assertNotNull(password);
      assertTrue(password.length() >= 20);
      UserSettings admin = UserSettings.from(first.config()).get("admin");
      assertTrue(admin.allProjects());
      assertTrue(Passwords.verify(password, admin.passwordHash()));
      String stored = Files.readString(dataDir.resolve("generated-admin-user.json"));
      assertFalse(stored.contains(password), "only the hash is kept");
      FirstStart.Outcome second = FirstStart.prepare(config);
      assertNull(second.generatedAdminPassword());
      assertEquals(admin.passwordHash(), UserSettings.from(second.config()).get("admin").passwordHash());
    } finally {
      TestListener.deleteRecursively(dataDir);
    }
  }

  @Test
  @DisplayName("A plain password or a missing project list in the users section stops the start with its key")
  void badUsersRefused() {
    var plain = org.junit.jupiter.api.Assertions.assertThrows(com.bitville.apm.listener.config.ConfigException.class,
        () -> UserSettings.from(new JsonObject().put("users", new JsonObject().put("bob", new JsonObject()
            .put("passwordHash", "secret123").put("projects", "*")))));
    assertTrue(plain.getMessage().contains("users.bob.passwordHash"), plain.getMessage());
    var projects = org.junit.jupiter.api.Assertions.assertThrows(com.bitville.apm.listener.config.ConfigException.class,
        () -> UserSettings.from(new JsonObject().put("users", new JsonObject().put("bob", new JsonObject()
            .put("passwordHash", Passwords.hash("long enough pw".toCharArray(), 4))))));
    assertTrue(projects.getMessage().contains("users.bob.projects"), projects.getMessage());
  }

  @Test
  @DisplayName("Configured users replace the generated administrator")
  void configuredUsersWin() throws Exception {
    Path dataDir = Files.createTempDirectory("bitville-admin-");
    try {
      JsonObject config = ConfigLoader.defaults().mergeIn(TestListener.baseConfig(dataDir), true)
          .put("tls", new JsonObject().put("enabled", false));
      FirstStart.Outcome outcome = FirstStart.prepare(config);
      assertNull(outcome.generatedAdminPassword());
      assertFalse(Files.exists(dataDir.resolve("generated-admin-user.json")));
    } finally {
      TestListener.deleteRecursively(dataDir);
    }
  }
}
