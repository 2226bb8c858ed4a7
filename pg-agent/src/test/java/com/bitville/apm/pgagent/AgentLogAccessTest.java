package com.bitville.apm.pgagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.shared.testsupport.RealInstall;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The documented non-root setup where the agent's user cannot reach the server log: the agent, as its own
 * process and an unprivileged user, reports it loudly and as degraded health, and recovers once it can read.
 */
class AgentLogAccessTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  private static PgServer pg;
  private static Vertx vertx;

  @BeforeAll
  static void startServer() throws Exception {
    pg = PgServer.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopServer() {
    vertx.close();
    pg.close();
  }

  @Test
  @DisplayName("An unreadable log directory: loud error line, health degraded with the reason, recovery once readable")
  void unreadableLogIsReported() throws Exception {
    Path state = TempDirs.create("pgagent-logaccess-");
    JsonObject json = TestConfigs.base(pg.port(), "postgres", "https://127.0.0.1:1/ingest/postgres", state);
    json.getJsonObject("logs").put("interval_ms", 300);
    int healthPort = json.getJsonObject("health").getInteger("port");
    Path configFile = state.resolve("pg-agent.json");
    Files.writeString(configFile, json.encodePrettily());
    Path log = state.resolve("agent.log");
    // as root the agent runs as nobody, whom a 0700 directory of the postgres user shuts out; otherwise the agent
    // runs as the owner itself, whom mode 0000 shuts out (only root ignores permissions)
    String closed = ROOT ? "rwx------" : "---------";
    String original = PosixFilePermissions.toString(Files.getPosixFilePermissions(pg.logDir()));
    if (ROOT) {
      openToAll(state);
      // the server's directory is private to postgres; let others pass through it, as /var/log is
      Files.setPosixFilePermissions(pg.root(), PosixFilePermissions.fromString("rwx--x--x"));
    }
    Files.setPosixFilePermissions(pg.logDir(), PosixFilePermissions.fromString(closed));
    Process agent = launch(configFile, log, state);
    try {
      Sql.eventually(30_000, "health degraded with the reason", () -> health(healthPort)
          .map(h -> "degraded".equals(h.getString("status"))).orElse(false));
      JsonObject degraded = health(healthPort).orElseThrow();
      String reason = degraded.getJsonArray("problems").getString(0);
      assertTrue(reason.contains(pg.logDir().toString()) && reason.contains("permission")
          || reason.contains("cannot be entered"), reason);
      assertTrue(degraded.getJsonObject("database").getBoolean("connected"), "the database itself is fine");
      String text = Files.readString(log);
      assertTrue(text.contains("ERROR") && text.contains("SERVER LOG NOT READABLE"), "a loud log line:\n" + text);
      assertEquals(1, text.split("SERVER LOG NOT READABLE", -1).length - 1, "said once, not every poll");

      Files.setPosixFilePermissions(pg.logDir(), PosixFilePermissions.fromString(original));
      Sql.eventually(30_000, "health ok once the log is readable", () -> health(healthPort)
          .map(h -> "ok".equals(h.getString("status"))).orElse(false));
      assertTrue(Files.readString(log).contains("server log readable again"));
    } finally {
      Files.setPosixFilePermissions(pg.logDir(), PosixFilePermissions.fromString(original));
      agent.destroy();
      assertTrue(agent.waitFor(20, TimeUnit.SECONDS));
    }
  }

  private static Process launch(Path configFile, Path log, Path state) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    if (ROOT) {
      command.addAll(List.of("/usr/sbin/runuser", "-u", "nobody", "--"));
    }
    command.addAll(List.of(java, "-Xmx128m", "-cp", ROOT ? readableClasspath(state) : classpath(),
        PgAgentMain.class.getName(), "--config", configFile.toString()));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static String classpath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /** The test's classpath copied where an unprivileged user can read it (root's Maven repository is private). */
  private static String readableClasspath(Path state) throws Exception {
    List<Path> copies = RealInstall.copyClasspath(state.resolve("classpath"));
    openToAll(state);
    return copies.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
  }

  private static void openToAll(Path root) throws Exception {
    Process chmod = new ProcessBuilder("chmod", "-R", "a+rwX", root.toString()).inheritIO().start();
    assertTrue(chmod.waitFor(60, TimeUnit.SECONDS) && chmod.exitValue() == 0);
    Path parent = root.getParent();
    assertTrue(Files.isReadable(parent), "temp root readable: " + parent);
  }

  private static Optional<JsonObject> health(int port) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/health")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(new JsonObject(response.body())) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
