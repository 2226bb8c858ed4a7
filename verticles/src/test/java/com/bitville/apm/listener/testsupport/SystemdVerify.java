package com.bitville.apm.listener.testsupport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** {@code systemd-analyze verify} on units installed into a scratch root (Debian's systemd package). */
public final class SystemdVerify {

  private SystemdVerify() {
  }

  /**
   * Verifies units as installed below {@code root} (paths relative to it, e.g. /etc/systemd/system/x.service):
   * the host's own unit files are copied into the root first so dependencies such as sysinit.target resolve,
   * while ExecStart binaries must exist inside the root. Returns the tool's output; empty means no finding.
   */
  public static String verify(Path root, List<String> units) throws Exception {
    Path hostUnits = Path.of("/usr/lib/systemd/system");
    Path copy = root.resolve("usr/lib/systemd/system");
    if (!Files.exists(copy)) {
      Files.createDirectories(copy);
      try (Stream<Path> files = Files.list(hostUnits)) {
        for (Path unit : files.toList()) {
          if (Files.isRegularFile(unit)) {
            Files.copy(unit, copy.resolve(unit.getFileName()));
          }
        }
      }
    }
    List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--root=" + root));
    command.addAll(units);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("systemd-analyze did not finish");
    }
    if (process.exitValue() != 0) {
      return "exit " + process.exitValue() + ": " + output;
    }
    return output.lines().filter(line -> !line.contains("generator")).reduce("", (a, b) -> a + b + "\n");
  }
}
