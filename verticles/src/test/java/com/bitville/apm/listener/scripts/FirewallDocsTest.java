package com.bitville.apm.listener.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every firewall command of docs/operations.md runs: ufw rules through {@code ufw --dry-run} (parsed and
 * rendered, nothing applied), the nftables file checked and loaded twice in a throwaway network namespace.
 */
class FirewallDocsTest {

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @Test
  @DisplayName("docs/operations.md: every ufw and nft command is accepted")
  void everyCommandRuns() throws Exception {
    List<String> commands = documentedCommands();
    long ufw = commands.stream().filter(c -> c.startsWith("ufw ")).count();
    long nft = commands.stream().filter(c -> c.startsWith("nft ")).count();
    assertEquals(10, ufw, commands.toString());
    assertEquals(2, nft, commands.toString());
    for (String command : commands) {
      String runnable = command.startsWith("ufw ") ? "ufw --dry-run " + command.substring(4)
          : "unshare -n sh -c '" + command + " && " + command + "'";
      Result result = run(runnable);
      assertEquals(0, result.exitCode(), command + "\n" + result.output());
    }
  }

  @Test
  @DisplayName("A wrong rule is refused by the same checks (so the test above can fail)")
  void wrongRuleIsRefused() throws Exception {
    assertTrue(run("ufw --dry-run allow fromm 192.0.2.0/24 to any port 8443").exitCode() != 0);
    Path broken = Files.createTempFile("bitville-", ".nft");
    try {
      Files.writeString(broken, Files.readString(REPO.resolve("conf/firewall/bitville-listener.nft"))
          .replace("tcp dport 8443 ip saddr $AGENT_NETS accept", "tcp dport 8443 ip saddr $AGENT_NET accept"));
      assertTrue(run("nft -c -f " + broken).exitCode() != 0);
    } finally {
      Files.delete(broken);
    }
  }

  /**
   * The lines of the bash blocks that start with "sudo ufw" or "sudo nft", without "sudo", and the inline
   * {@code ufw default ...} policy commands of the text. Not run: {@code ufw enable}, which switches the host's
   * firewall on (even with --dry-run it records the switch in /etc/ufw/ufw.conf).
   */
  private static List<String> documentedCommands() throws Exception {
    List<String> commands = new ArrayList<>();
    java.util.regex.Matcher policy = java.util.regex.Pattern.compile("`(ufw default (?:allow|deny) (?:incoming|outgoing))`")
        .matcher(Files.readString(REPO.resolve("docs/operations.md")));
    while (policy.find()) {
      if (!commands.contains(policy.group(1))) {
        commands.add(policy.group(1));
      }
    }
    boolean inBash = false;
    for (String line : Files.readAllLines(REPO.resolve("docs/operations.md"))) {
      if (line.startsWith("```")) {
        inBash = !inBash && line.equals("```bash");
        continue;
      }
      if (inBash && (line.startsWith("sudo ufw ") || line.startsWith("sudo nft "))) {
        commands.add(line.substring("sudo ".length()));
      }
    }
    return commands;
  }

  private record Result(int exitCode, String output) {
  }

  private static Result run(String command) throws Exception {
    Process process = new ProcessBuilder("bash", "-c", command).directory(REPO.toFile()).redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("did not finish: " + command);
    }
    return new Result(process.exitValue(), output);
  }
}
