package com.bitville.apm.pgagent.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * scripts/install-pg-agent into a scratch root (--root) against a real PostgreSQL server: the installer's checks
 * (pg_stat_statements loaded, server log reachable by the agent's user) with their advice, the monitoring role,
 * the files with their modes, idempotence, and systemd-analyze verify on the unit. Runs as root (as CI does):
 * it creates users and switches to them.
 */
class InstallPgAgentTest {

  private static PgServer pg;

  @BeforeAll
  static void startServer() throws Exception {
    pg = PgServer.start();
  }

  @AfterAll
  static void stopServer() {
    pg.close();
  }

  @Test
  @DisplayName("Log not reachable: exact advice, exit 1; readable: role, files, modes, a unit that verifies; twice the same")
  void installsAfterChecks() throws Exception {
    Path root = TempDirs.create("bitville-root-");
    Path jar = root.resolve("bitville-pg-agent.jar");
    Files.writeString(jar, "stands for the jar: only copied");
    Files.setPosixFilePermissions(pg.root(), PosixFilePermissions.fromString("rwx------"));
    Result refused = install(root, jar);
    assertEquals(1, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("ok: pg_stat_statements is loaded"), refused.output());
    assertTrue(refused.output().contains("CHECK FAILED: user nobody cannot enter the log directory " + pg.logDir()),
        refused.output());
    assertTrue(refused.output().contains("Fix: set log_directory outside the data directory"), refused.output());
    assertFalse(Files.exists(root.resolve("etc/systemd/system/bitville-pg-agent.service")));

    Files.setPosixFilePermissions(pg.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
    Result installed = install(root, jar);
    assertEquals(0, installed.exitCode(), installed.output());
    assertTrue(installed.output().contains("ok: nobody can read " + pg.logDir()), installed.output());
    String secrets = Files.readString(root.resolve("etc/bitville/pg-agent.env"));
    assertTrue(secrets.contains("BITVILLE_PG_DELIVERY_API_KEY=bv_test-key_0123456789\n"), secrets);
    String password = secrets.lines().filter(l -> l.startsWith("BITVILLE_PG_DATABASE_PASSWORD="))
        .findFirst().orElseThrow().substring("BITVILLE_PG_DATABASE_PASSWORD=".length());
    assertTrue(password.length() >= 40, "a generated password");
    assertEquals("rw-r-----", mode(root.resolve("etc/bitville/pg-agent.env")));
    assertEquals("rw-r-----", mode(root.resolve("etc/bitville/pg-agent.json")));
    String config = Files.readString(root.resolve("etc/bitville/pg-agent.json"));
    assertTrue(config.contains("\"url\": \"https://apm.example.com:8443/ingest/postgres\""), config);
    assertTrue(config.contains("\"project\": \"shop\""), config);
    String passwd = Files.readString(root.resolve("etc/passwd"));
    assertTrue(passwd.matches("(?s).*bitville-pg-agent:[x!]:\\d+:\\d+::/var/lib/bitville-pg-agent:/usr/sbin/nologin.*"),
        passwd);
    assertEquals("t|t|t", psql("SELECT pg_has_role('bitville_monitor', 'pg_monitor', 'member'), "
        + "(SELECT rolcanlogin FROM pg_roles WHERE rolname = 'bitville_monitor'), "
        + "EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')"));

    Result again = install(root, jar);
    assertEquals(0, again.exitCode(), again.output());
    assertEquals(secrets, Files.readString(root.resolve("etc/bitville/pg-agent.env")), "the same password kept");

    for (String binary : List.of("usr/bin/java", "bin/kill")) {
      Path stand = root.resolve(binary);
      Files.createDirectories(stand.getParent());
      Files.writeString(stand, "#!/bin/sh\n");
      Files.setPosixFilePermissions(stand, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertEquals("", verify(root, "/etc/systemd/system/bitville-pg-agent.service"));
  }

  @Test
  @DisplayName("pg_stat_statements not loaded: exact advice, exit 1, nothing installed")
  void refusesWithoutStatements() throws Exception {
    Path root = TempDirs.create("bitville-root-");
    psql("ALTER SYSTEM RESET shared_preload_libraries");
    pg.stopServer();
    pg.startServer();
    try {
      Result refused = install(root, root.resolve("missing.jar"));
      assertEquals(1, refused.exitCode(), refused.output());
      assertTrue(refused.output().contains("CHECK FAILED: pg_stat_statements is not loaded"), refused.output());
      assertTrue(refused.output().contains("shared_preload_libraries = 'pg_stat_statements', then restart PostgreSQL"),
          refused.output());
      assertFalse(Files.exists(root.resolve("etc/bitville/pg-agent.json")));
    } finally {
      psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
      pg.stopServer();
      pg.startServer();
    }
  }

  private record Result(int exitCode, String output) {
  }

  private static Result install(Path root, Path jar) throws Exception {
    return run(List.of("bash", Path.of("..", "scripts", "install-pg-agent").toAbsolutePath().toString(),
        "--root", root.toString(), "--url", "https://apm.example.com:8443", "--key", "bv_test-key_0123456789",
        "--project", "shop", "--pg-host", pg.root().toString(), "--pg-port", String.valueOf(pg.port()),
        "--jar", jar.toString(), "--check-as", "nobody"));
  }

  private static String psql(String sql) throws Exception {
    Result result = run(List.of("psql", "-X", "-At", "-h", pg.root().toString(), "-p", String.valueOf(pg.port()),
        "-U", "postgres", "-d", "postgres", "-F", "|", "-c", sql));
    assertEquals(0, result.exitCode(), result.output());
    return result.output().strip();
  }

  private static String verify(Path root, String unit) throws Exception {
    Path units = root.resolve("usr/lib/systemd/system");
    Files.createDirectories(units);
    try (Stream<Path> files = Files.list(Path.of("/usr/lib/systemd/system"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, units.resolve(file.getFileName()));
      }
    }
    Result result = run(List.of("systemd-analyze", "verify", "--root=" + root, unit));
    List<String> findings = new ArrayList<>(result.output().lines().filter(l -> !l.contains("generator")).toList());
    if (result.exitCode() != 0) {
      findings.add("exit " + result.exitCode());
    }
    return String.join("\n", findings);
  }

  private static Result run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("did not finish: " + command);
    }
    return new Result(process.exitValue(), output);
  }

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
