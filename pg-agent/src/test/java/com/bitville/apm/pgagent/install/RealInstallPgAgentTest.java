package com.bitville.apm.pgagent.install;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestReceiver;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
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
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    assumeTrue(canOverlayInNamespace(scratch), "needs root and overlayfs inside a mount namespace (unshare -m)");
    assumeTrue(systemJavaIs17OrNewer(), "needs /usr/bin/java 17+ (what the unit runs)");
    Vertx vertx = Vertx.vertx();
    try (PgServer pg = PgServer.start();
        TestReceiver receiver = new TestReceiver(vertx, PgServer.freePort()).start()) {
      Files.setPosixFilePermissions(pg.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
      Path jar = readableLauncherJar(scratch);
      String script = String.join("\n",
          "set -euo pipefail",
          "for d in etc opt var; do",
          "  mkdir -p '" + scratch + "'/$d-upper '" + scratch + "'/$d-work",
          "  mount -t overlay overlay -o lowerdir=/$d,upperdir='" + scratch + "'/$d-upper,workdir='" + scratch
              + "'/$d-work /$d",
          "done",
          "scripts/install-pg-agent --no-start --url https://127.0.0.1:" + receiver.port() + " --key "
              + TestReceiver.API_KEY + " --project shop --cacert '" + TestReceiver.certPem() + "' --pg-host '"
              + pg.root() + "' --pg-port " + pg.port() + " --jar '" + jar + "'",
          // the documented environment override; a free port instead of the default 9187
          "echo BITVILLE_PG_HEALTH_PORT=" + PgServer.freePort() + " >>/etc/bitville/pg-agent.env",
          "unit=/etc/systemd/system/bitville-pg-agent.service",
          "value() { sed -n \"s/^$1=//p\" \"$unit\"; }",
          // what systemd does for StateDirectory=
          "install -d -o \"$(value User)\" -g \"$(value Group)\" -m \"$(value StateDirectoryMode)\" "
              + "\"/var/lib/$(value StateDirectory)\"",
          "env_file=$(value EnvironmentFile); env_file=${env_file#-}",
          "set -a; . \"$env_file\"; set +a",
          "umask \"$(value UMask)\"",
          "cd /",
          "exec setpriv --reuid \"$(value User)\" --regid \"$(value Group)\" --groups \"$(value SupplementaryGroups)\" "
              + "$(value ExecStart)");
      ProcessBuilder builder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "bash", "-c",
          script).directory(REPO.toFile()).redirectErrorStream(true)
          .redirectOutput(scratch.resolve("agent.log").toFile());
      builder.environment().keySet().removeIf(name -> name.startsWith("BITVILLE"));
      Process agent = builder.start();
      try {
        Sql.eventually(120_000, "sessions from the installed agent\n" + log(scratch),
            () -> !receiver.records("pg_stat_activity").isEmpty() || !agent.isAlive());
        assertTrue(agent.isAlive(), log(scratch));
        assertNotEquals("0", uidOf(agent.pid()), "the agent runs as the unit's user, not root");
        psqlError(pg);
        Sql.eventually(60_000, "a server log line read by the agent's user\n" + log(scratch),
            () -> receiver.records("pg_log").stream().anyMatch(r -> r.encode().contains("bitville_real_install")));
      } finally {
        agent.destroy();
        if (!agent.waitFor(60, TimeUnit.SECONDS)) {
          agent.destroyForcibly();
        }
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

  private static boolean systemJavaIs17OrNewer() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/java"))) {
      return false;
    }
    Process process = new ProcessBuilder("/usr/bin/java", "-version").redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    java.util.regex.Matcher version = java.util.regex.Pattern.compile("version \"(\\d+)").matcher(output);
    return process.waitFor(60, TimeUnit.SECONDS) && version.find() && Integer.parseInt(version.group(1)) >= 17;
  }

  private static boolean canOverlayInNamespace(Path scratch) throws Exception {
    Path probe = scratch.resolve("probe");
    for (String dir : List.of("lower", "upper", "work", "mnt")) {
      Files.createDirectories(probe.resolve(dir));
    }
    Process process = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
        "mount -t overlay overlay -o lowerdir=" + probe.resolve("lower") + ",upperdir=" + probe.resolve("upper")
            + ",workdir=" + probe.resolve("work") + " " + probe.resolve("mnt"))
        .redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
  }

  /**
   * A launcher jar whose classpath is a world-readable copy of this test run's classes and libraries: the
   * agent's user cannot read the build's own copies (e.g. below /root/.m2).
   */
  private static Path readableLauncherJar(Path scratch) throws IOException {
    Path lib = Files.createDirectories(scratch.resolve("lib"));
    StringBuilder classPath = new StringBuilder();
    int index = 0;
    for (Path entry : classpathEntries()) {
      Path copy = lib.resolve(index++ + "-" + entry.getFileName());
      copyTree(entry, copy);
      classPath.append(copy.toUri()).append(' ');
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "com.bitville.apm.pgagent.PgAgentMain");
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath.toString().trim());
    Path jar = scratch.resolve("bitville-pg-agent.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.flush();
    }
    try (Stream<Path> paths = Files.walk(scratch)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x"
            : "rw-r--r--"));
      }
    }
    return jar;
  }

  /** The test classpath, with a manifest-only jar (as Maven's test runner uses) expanded to its entries. */
  private static List<Path> classpathEntries() throws IOException {
    List<Path> entries = new ArrayList<>();
    for (String element : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path path = Path.of(element).toAbsolutePath();
      String manifestClassPath = null;
      if (Files.isRegularFile(path) && path.getFileName().toString().startsWith("surefire")) {
        try (JarFile jar = new JarFile(path.toFile())) {
          Manifest manifest = jar.getManifest();
          manifestClassPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        }
      }
      if (manifestClassPath != null) {
        for (String url : manifestClassPath.trim().split("\\s+")) {
          entries.add(Path.of(path.getParent().toUri().resolve(URI.create(url))));
        }
      } else {
        entries.add(path);
      }
    }
    return entries.stream().filter(Files::exists).toList();
  }

  private static void copyTree(Path source, Path target) throws IOException {
    if (Files.isRegularFile(source)) {
      Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    try (Stream<Path> paths = Files.walk(source)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path copy = target.resolve(source.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(path, copy, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static String uidOf(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Uid:"))
        .findFirst().orElseThrow().split("\\s+")[1];
  }
}
