package com.bitville.apm.pgagent.install;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestReceiver;
import com.bitville.apm.shared.testsupport.RealInstall;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * README's {@code sudo scripts/install-pg-agent ...} in real mode (the real useradd, role, checks as the agent's
 * user), inside a private mount namespace whose /etc, /opt and /var are overlays on scratch directories so the
 * host is left unchanged, with --no-start; then the installed unit started the way systemd would start it (its
 * User, Group, SupplementaryGroups, StateDirectory, EnvironmentFile, UMask and ExecStart; not its sandboxing,
 * which needs systemd as PID 1) against a real PostgreSQL server: sessions and server log lines arrive. Skipped
 * where the machine cannot do this (not root, no overlayfs in a namespace, no /usr/bin/java 17+).
 */
class RealInstallPgAgentTest {

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @Test
  @DisplayName("install-pg-agent for real (in a mount namespace): its unit's command, as its user with the group "
      + "postgres, sends sessions and log lines")
  void installedAgentSendsAsItsUser() throws Exception {
    Path scratch = TempDirs.create("bitville-real-install-");
    RealInstall.assumeOverlayInNamespace(scratch);
    RealInstall.assumeSystemJava17OrNewer();
    Vertx vertx = Vertx.vertx();
    try (PgServer pg = PgServer.start();
        TestReceiver receiver = new TestReceiver(vertx, PgServer.freePort()).start()) {
      Files.setPosixFilePermissions(pg.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
      Path jar = RealInstall.readableLauncherJar(scratch, "bitville-pg-agent.jar",
          "com.bitville.apm.pgagent.PgAgentMain");
      Process agent = RealInstall.overlaying(scratch, "etc", "opt", "var")
          .then("scripts/install-pg-agent --no-start --url https://127.0.0.1:" + receiver.port() + " --key "
              + TestReceiver.API_KEY + " --project shop --cacert '" + TestReceiver.certPem() + "' --pg-host '"
              + pg.root() + "' --pg-port " + pg.port() + " --jar '" + jar + "'",
              // the documented environment override; a free port instead of the default 9187
              "echo BITVILLE_PG_HEALTH_PORT=" + PgServer.freePort() + " >>/etc/bitville/pg-agent.env")
          .unit("/etc/systemd/system/bitville-pg-agent.service")
          .execUnit()
          .processBuilder(REPO).redirectOutput(scratch.resolve("agent.log").toFile()).start();
      try {
        Sql.eventually(120_000, "sessions from the installed agent\n" + log(scratch),
            () -> !receiver.records("pg_stat_activity").isEmpty() || !agent.isAlive());
        assertTrue(agent.isAlive(), log(scratch));
        assertNotEquals("0", RealInstall.uidOf(agent.pid()), "the agent runs as the unit's user, not root");
        psqlError(pg);
        Sql.eventually(60_000, "a server log line read by the agent's user\n" + log(scratch),
            () -> receiver.records("pg_log").stream().anyMatch(r -> r.encode().contains("bitville_real_install")));
      } finally {
        RealInstall.stop(agent);
      }
    } finally {
      vertx.close();
    }
  }

  /** A statement that fails, so that the server logs an ERROR line naming it. */
  private static void psqlError(PgServer pg) throws Exception {
    Process psql = new ProcessBuilder("psql", "-X", "-h", pg.root().toString(), "-p", String.valueOf(pg.port()), "-U",
        "postgres", "-d", "postgres", "-c", "SELECT * FROM bitville_real_install_missing_table")
        .redirectErrorStream(true).start();
    psql.getInputStream().readAllBytes();
    assertTrue(psql.waitFor(60, TimeUnit.SECONDS));
  }

  private static String log(Path scratch) {
    try {
      return Files.readString(scratch.resolve("agent.log"));
    } catch (IOException e) {
      return "(no output)";
    }
  }
}
