package com.bitville.apm.shared.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An installer run for real on this machine (the real useradd, chown, modes) inside a private mount namespace
 * whose system directories are overlays on a scratch directory, so the host is left unchanged; then the installed
 * unit's command started the way systemd would start it (its User, Group, SupplementaryGroups, StateDirectory,
 * EnvironmentFile, WorkingDirectory and UMask; not its sandboxing, which needs systemd as PID 1). The listener's and
 * the pg-agent's real-install tests build their bash script with it.
 */
public final class RealInstall {

  /** Prefix of a script line that runs a command as the unit's user (after {@link #unit}). */
  public static final String AS_UNIT_USER =
      "setpriv --reuid \"$(value User)\" --regid \"$(value Group)\" --init-groups";

  private final List<String> lines = new ArrayList<>(List.of("set -euo pipefail"));

  private RealInstall() {
  }

  /**
   * A script that first mounts an overlay on each of {@code dirs} (relative to /, e.g. "etc", "usr/local"); what the
   * script writes below one lands in {@link #upper(Path, String)}.
   */
  public static RealInstall overlaying(Path scratch, String... dirs) {
    RealInstall install = new RealInstall();
    for (String dir : dirs) {
      Path upper = upper(scratch, dir);
      Path work = scratch.resolve(dir.replace('/', '-') + "-work");
      install.then("mkdir -p " + quoted(upper) + " " + quoted(work),
          "mount -t overlay overlay -o lowerdir=/" + dir + ",upperdir=" + quoted(upper) + ",workdir=" + quoted(work)
              + " /" + dir);
    }
    return install;
  }

  /** Where the files written below {@code /dir} inside the namespace are on the host. */
  public static Path upper(Path scratch, String dir) {
    return scratch.resolve(dir.replace('/', '-') + "-upper");
  }

  public RealInstall then(String... shellLines) {
    lines.addAll(List.of(shellLines));
    return this;
  }

  /** Names the installed unit file: later lines may read its settings with {@code $(value Key)}. */
  public RealInstall unit(String unitFile) {
    return then("unit=" + unitFile, "value() { sed -n \"s/^$1=//p\" \"$unit\"; }");
  }

  /** Ends the script: replaces the shell with the unit's ExecStart, prepared as systemd prepares it. */
  public RealInstall execUnit() {
    return then(
        "state_dir=$(value StateDirectory); state_mode=$(value StateDirectoryMode)",
        "[[ -z \"$state_dir\" ]] || install -d -o \"$(value User)\" -g \"$(value Group)\" -m \"${state_mode:-0755}\" "
            + "\"/var/lib/$state_dir\"",
        "env_file=$(value EnvironmentFile); env_file=${env_file#-}",
        "[[ -z \"$env_file\" ]] || { set -a; . \"$env_file\"; set +a; }",
        "umask_value=$(value UMask); [[ -z \"$umask_value\" ]] || umask \"$umask_value\"",
        "working_dir=$(value WorkingDirectory); cd \"${working_dir:-/}\"",
        "groups=$(value SupplementaryGroups)",
        "if [[ -n \"$groups\" ]]; then group_option=(--groups \"$groups\"); else group_option=(--init-groups); fi",
        "exec setpriv --reuid \"$(value User)\" --regid \"$(value Group)\" \"${group_option[@]}\" $(value ExecStart)");
  }

  /**
   * The script as a process in a new private mount namespace, run from {@code directory}, its output merged, without
   * the project's settings from this environment.
   */
  public ProcessBuilder processBuilder(Path directory) {
    ProcessBuilder builder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "bash", "-c",
        String.join("\n", lines)).directory(directory.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("BITVILLE") || name.startsWith("GRAYLOG"));
    return builder;
  }

  /** Ends a process started from {@link #processBuilder}: SIGTERM, then SIGKILL after a minute. */
  public static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  // ---- what the machine must offer

  /** Makes {@code scratch} traversable by the units' users; skips the test without root and overlayfs. */
  public static void assumeOverlayInNamespace(Path scratch) throws Exception {
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    assumeTrue(canOverlayInNamespace(scratch), "needs root and overlayfs inside a mount namespace (unshare -m)");
  }

  /** The units run /usr/bin/java; without it an installer would install a JRE into the host's /usr. */
  public static void assumeSystemJava17OrNewer() throws Exception {
    assumeTrue(systemJavaIs17OrNewer(), "needs /usr/bin/java 17+ (what the unit runs)");
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
    boolean ok = process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    deleteRecursively(probe);
    return ok;
  }

  private static boolean systemJavaIs17OrNewer() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/java"))) {
      return false;
    }
    Process process = new ProcessBuilder("/usr/bin/java", "-version").redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Matcher version = Pattern.compile("version \"(\\d+)").matcher(output);
    return process.waitFor(60, TimeUnit.SECONDS) && version.find() && Integer.parseInt(version.group(1)) >= 17;
  }

  // ---- the installed program and its files

  /**
   * A launcher jar (in {@code scratch}) whose classpath is a world-readable copy of this test run's classes and
   * libraries: a unit's user cannot read the build's own copies (e.g. below /root/.m2).
   */
  public static Path readableLauncherJar(Path scratch, String jarName, String mainClass) throws IOException {
    StringBuilder classPath = new StringBuilder();
    for (Path copy : copyClasspath(scratch.resolve("lib"))) {
      classPath.append(copy.toUri()).append(' ');
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath.toString().trim());
    Path jar = scratch.resolve(jarName);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.flush();
    }
    makeReadable(scratch);
    return jar;
  }

  /**
   * Copies of this test run's classpath entries (classes and libraries) in {@code dir}, in classpath order: for a
   * process of another user, who cannot read the build's own copies.
   */
  public static List<Path> copyClasspath(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> copies = new ArrayList<>();
    for (Path entry : classpathEntries()) {
      Path copy = dir.resolve(copies.size() + "-" + entry.getFileName());
      copyTree(entry, copy);
      copies.add(copy);
    }
    return copies;
  }

  /** Every directory below {@code root} rwxr-xr-x, every file rw-r--r--. */
  public static void makeReadable(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwxr-xr-x"
            : "rw-r--r--"));
      }
    }
  }

  /** The real user id a process runs as. */
  public static String uidOf(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Uid:"))
        .findFirst().orElseThrow().split("\\s+")[1];
  }

  /** The test classpath, with the manifest-only jar Maven's test runner uses expanded to its entries. */
  private static List<Path> classpathEntries() throws IOException {
    List<Path> entries = new ArrayList<>();
    for (String element : System.getProperty("java.class.path").split(File.pathSeparator)) {
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

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static String quoted(Path path) {
    return "'" + path.toString().replace("'", "'\\''") + "'";
  }
}
