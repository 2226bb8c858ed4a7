package com.bitville.apm.listener.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.ConfigException;
import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.config.DeploymentPlan;
import com.bitville.apm.listener.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Role configurations in conf/: one jar, the role and instance counts from the file, validated at start")
class RoleConfigsTest {

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final String SECRET = "a-real-cluster-secret-0123456789";
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("all-in-one (default), ingest-only, core and ui-only deploy exactly their verticles")
  void rolesDeployTheirVerticles() throws Exception {
    assertPlan("conf/listener.json", Map.of("storage", 1, "http-ingest", 2, "query-server", 1, "udp-ingest", 1,
        "retention", 1, "gelf-forwarder", 1, "rollup", 1, "management", 1));
    assertPlan("conf/roles/ingest-only.json", Map.of("storage", 0, "http-ingest", 2, "query-server", 0,
        "udp-ingest", 1, "retention", 0, "gelf-forwarder", 0, "rollup", 0, "management", 1));
    assertPlan("conf/roles/core.json", Map.of("storage", 1, "http-ingest", 0, "query-server", 0, "udp-ingest", 0,
        "retention", 1, "gelf-forwarder", 1, "rollup", 1, "management", 1));
    assertPlan("conf/roles/ui-only.json", Map.of("storage", 0, "http-ingest", 0, "query-server", 1,
        "udp-ingest", 0, "retention", 0, "gelf-forwarder", 0, "rollup", 0, "management", 1));
  }

  @Test
  @DisplayName("a cluster role file with the example secret (or none) is refused, naming cluster.secret")
  void exampleSecretIsRefused() throws Exception {
    for (String role : List.of("ingest-only", "core", "ui-only")) {
      JsonObject config = load(REPO.resolve("conf/roles/" + role + ".json"), Map.of());
      ConfigException error = assertThrows(ConfigException.class, () -> ListenerNode.validate(config));
      assertTrue(error.getMessage().contains("cluster.secret"), error.getMessage());
      config.getJsonObject("cluster").put("secret", "short");
      error = assertThrows(ConfigException.class, () -> ListenerNode.validate(config));
      assertTrue(error.getMessage().contains("cluster.secret must be at least 16"), error.getMessage());
    }
  }

  @Test
  @DisplayName("the launcher stops with exit code 2 naming the key for an unknown verticle or an impossible count")
  void launcherRefusesBadRoleFiles() throws Exception {
    JsonObject role = new JsonObject(Files.readString(REPO.resolve("conf/roles/ingest-only.json")));
    role.getJsonObject("cluster").put("secret", SECRET);
    assertLauncherRefuses(role.copy().put("verticles", role.getJsonObject("verticles").copy().put("teleporter", 1)),
        "verticles.teleporter is not a known verticle");
    assertLauncherRefuses(role.copy().put("verticles", role.getJsonObject("verticles").copy().put("storage", 2)),
        "verticles.storage must be between 0 and 1");
    assertLauncherRefuses(role.copy().put("verticles", role.getJsonObject("verticles").copy()
        .put("http-ingest", 65)), "verticles.http-ingest must be between 0 and 64");
    assertLauncherRefuses(role.copy().put("verticles", role.getJsonObject("verticles").copy()
        .put("query-server", -1)), "verticles.query-server must be between 0 and 64");
  }

  private static void assertPlan(String file, Map<String, Integer> expected) throws Exception {
    JsonObject config = load(REPO.resolve(file), Map.of("BITVILLE__CLUSTER__SECRET", SECRET));
    DeploymentPlan plan = ListenerNode.validate(config);
    expected.forEach((verticle, instances) -> assertEquals(instances, plan.instancesOf(verticle),
        file + ": instances of " + verticle));
    assertEquals(expected.keySet(), plan.instances().keySet(), file + " names every verticle");
  }

  private static JsonObject load(Path file, Map<String, String> env) throws Exception {
    return Await.result(ConfigLoader.load(vertx, file, env));
  }

  private static void assertLauncherRefuses(JsonObject config, String expectedMessage) throws Exception {
    Path dir = Files.createTempDirectory("bitville-role-");
    try {
      config.getJsonObject("node").put("dataDir", dir.resolve("data").toString());
      Path file = dir.resolve("role.json");
      Files.writeString(file, config.encodePrettily());
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx128m", "-cp",
          System.getProperty("java.class.path"), "com.bitville.apm.listener.launcher.Main", "--conf", file.toString()))
          .redirectErrorStream(true);
      builder.environment().keySet().removeIf(name -> name.startsWith("BITVILLE") || name.startsWith("GRAYLOG"));
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher exits");
      assertEquals(2, process.exitValue(), output);
      assertTrue(output.contains("Configuration error: " + expectedMessage), output);
    } finally {
      com.bitville.apm.listener.testsupport.TestListener.deleteRecursively(dir);
    }
  }
}
