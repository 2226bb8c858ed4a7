package com.bitville.apm.listener.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.query.Passwords;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.ScratchCheckout;
import com.bitville.apm.listener.testsupport.TestListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The commands of README.md a newcomer types, run as typed in a scratch copy of the checkout: "Run it"
 * (scripts/listener, its banner, scripts/send-sample with the banner's key and URL, the request in the UI's
 * API), "Test it" (the same lines as CI) and scripts/hash-password.
 */
class ReadmeCommandsTest {

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final String SAMPLE = "verticles/src/test/resources/fixtures/php-agent/wire/slow_get.json";

  @Test
  @DisplayName("README 'Run it': scripts/listener's banner gives the key, URL and certificate with which "
      + "scripts/send-sample stores a request that the UI's API lists for 'admin'")
  void runIt() throws Exception {
    try (ScratchCheckout checkout = ScratchCheckout.with("scripts/listener", "scripts/send-sample",
        "conf/listener.json", SAMPLE).withListenerJar()) {
      ProcessBuilder builder = new ProcessBuilder("bash", "scripts/listener").directory(checkout.root().toFile())
          .redirectErrorStream(true);
      clearSettings(builder.environment());
      builder.environment().putAll(Map.of("BITVILLE_HEAP", "512m",
          "BITVILLE_PORT", String.valueOf(TestListener.freePort()),
          "BITVILLE_UI_PORT", String.valueOf(TestListener.freePort()),
          "BITVILLE_MANAGEMENT_PORT", String.valueOf(TestListener.freePort()),
          "BITVILLE_UDP_PORT", String.valueOf(TestListener.freeUdpPort())));
      Process listener = builder.start();
      try {
        String banner = readBanner(listener);
        String key = bannerValue(banner, "API key for project 'default' \\(shown once[^\\n]*\\n\\s+(bv_\\S+)");
        String ingestUrl = bannerValue(banner, "Ingest URL:\\s+(\\S+)");
        String uiUrl = bannerValue(banner, "UI URL:\\s+(\\S+)");
        String password = bannerValue(banner, "UI login:[^\\n]*\\n\\s+(\\S+)");
        assertTrue(Files.isRegularFile(checkout.root().resolve("data/tls/listener-cert.pem")), banner);

        String typed = readmeBlock("KEY=").replace("bv_e5iCUaFEsWww5-aQJ8nnd7Q07l6LZYhRf2brTBR_TLY", key)
            .replace("https://localhost:8443/ingest/php", ingestUrl);
        Result sent = bash(checkout.root(), typed);
        assertEquals(0, sent.exitCode(), typed + "\n" + sent.output());
        Matcher id = Pattern.compile("sent slow_get.json as correlation id ([0-9a-f-]{36}), stamped \\S+: HTTP 200")
            .matcher(sent.output());
        assertTrue(id.find(), sent.output());

        String cacert = "--cacert data/tls/listener-cert.pem ";
        Result listed = bash(checkout.root(), "set -e\n"
            + "curl -sS -f " + cacert + "-c jar -H 'X-Bitville-Request: 1' -H 'Content-Type: application/json' "
            + "-d @- " + uiUrl + "api/login >/dev/null <<'JSON'\n{\"user\":\"admin\",\"password\":\"" + password
            + "\"}\nJSON\ncurl -sS -f " + cacert + "-b jar '" + uiUrl + "api/requests?correlation_id=" + id.group(1)
            + "'");
        assertEquals(0, listed.exitCode(), listed.output());
        assertTrue(listed.output().contains("\"correlation_id\":\"" + id.group(1) + "\""), listed.output());
      } finally {
        listener.destroy();
        if (!listener.waitFor(60, TimeUnit.SECONDS)) {
          listener.destroyForcibly();
        }
      }
    }
  }

  @Test
  @DisplayName("README 'Test it': the packages and the test command are exactly those of .ci/run")
  void testItMatchesCi() throws Exception {
    String readme = readmeBlock("sudo apt-get update");
    String ci = Files.readString(REPO.resolve(".ci/run"));
    assertEquals(packages(ci), packages(readme), "README's apt-get install line and .ci/run's");
    assertTrue(readme.contains("sudo apt-get update\n"), readme);
    List<String> ciCommands = ci.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertEquals("mvn -B verify", ciCommands.get(ciCommands.size() - 1), "CI ends with README's test command");
    assertTrue(readme.strip().endsWith("\nmvn -B verify"), readme);
  }

  @Test
  @DisplayName("scripts/hash-password (README 'Web UI'): reads the password from stdin, prints a bcrypt hash of it")
  void hashPassword() throws Exception {
    try (ScratchCheckout checkout = ScratchCheckout.with("scripts/hash-password", "scripts/_tools.sh")
        .withToolsClasspath()) {
      Result result = bash(checkout.root(), "echo 'correct horse battery staple' | scripts/hash-password");
      assertEquals(0, result.exitCode(), result.output());
      String hash = result.output().strip();
      assertTrue(hash.startsWith("$2a$"), result.output());
      assertTrue(Passwords.verify("correct horse battery staple", hash));
      assertTrue(!Passwords.verify("correct horse battery stapl", hash));
    }
  }

  @Test
  @DisplayName("scripts/send-udp (README 'UDP ingest'): one signed datagram with a stamped capture is stored")
  void sendUdp() throws Exception {
    try (TestListener listener = TestListener.start();
        ScratchCheckout checkout = ScratchCheckout.with("scripts/send-udp", "scripts/_tools.sh").withToolsClasspath()) {
      String payload = Fixtures.phpNewRequest("wire/slow_post.json").toString(StandardCharsets.UTF_8);
      String id = new io.vertx.core.json.JsonObject(payload).getString("correlation_id");
      Files.writeString(checkout.root().resolve("payload.json"), payload);
      Result sent = bash(checkout.root(), "scripts/send-udp --project shop --key " + TestListener.SHOP_KEY
          + " --file payload.json --port " + listener.udpPort());
      assertEquals(0, sent.exitCode(), sent.output());
      long deadline = System.currentTimeMillis() + 60_000;
      while (listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", id) == 0
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(1, listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", id), sent.output());
    }
  }

  @Test
  @DisplayName("scripts/generate-data DB N and scripts/bench-query DB (README 'Web UI'), at a small size")
  void generateDataAndBenchQuery() throws Exception {
    try (ScratchCheckout checkout = ScratchCheckout.with("scripts/generate-data", "scripts/bench-query",
        "scripts/_tools.sh").withToolsClasspath()) {
      Result generated = bash(checkout.root(), "scripts/generate-data bench.db 2000");
      assertEquals(0, generated.exitCode(), generated.output());
      Result measured = bash(checkout.root(), "scripts/bench-query bench.db 3");
      assertEquals(0, measured.exitCode(), measured.output());
      assertTrue(measured.output().contains("p95"), measured.output());
      try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + checkout.root().resolve("bench.db"));
          var rows = connection.createStatement().executeQuery("SELECT count(*) FROM records")) {
        assertTrue(rows.next());
        assertEquals(2000, rows.getLong(1), "no record deleted by retention while measuring");
      }
    }
  }

  /** The README's bash block whose first line starts with {@code firstLine}. */
  private static String readmeBlock(String firstLine) throws IOException {
    String readme = Files.readString(REPO.resolve("README.md"));
    Matcher block = Pattern.compile("```bash\\n(" + Pattern.quote(firstLine) + ".*?)```", Pattern.DOTALL)
        .matcher(readme);
    assertTrue(block.find(), "README.md has a bash block starting with " + firstLine);
    return block.group(1);
  }

  private static Set<String> packages(String script) {
    Matcher install = Pattern.compile("apt-get install ((?:\\\\\\n|[^\\n])*)").matcher(script);
    assertTrue(install.find(), script);
    Set<String> names = new TreeSet<>(Arrays.asList(install.group(1).replace("\\\n", " ").split("\\s+")));
    names.removeIf(word -> word.isEmpty() || word.startsWith("-") || word.startsWith(">") || word.equals("\\"));
    return names;
  }

  /** Reads the listener's output until the banner is complete (the blank line after the API key). */
  private static String readBanner(Process listener) throws Exception {
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(listener.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        boolean keyPrinted = false;
        while ((line = lines.readLine()) != null) {
          synchronized (output) {
            output.append(line).append('\n');
          }
          if (keyPrinted && line.isBlank()) {
            return;
          }
          keyPrinted |= line.contains("API key for project");
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "listener-banner");
    reader.setDaemon(true);
    reader.start();
    reader.join(TimeUnit.SECONDS.toMillis(120));
    synchronized (output) {
      assertTrue(!reader.isAlive(), "no complete banner within 120 s:\n" + output);
      return output.toString();
    }
  }

  private static String bannerValue(String banner, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(banner);
    assertTrue(matcher.find(), regex + " in\n" + banner);
    return matcher.group(1);
  }

  private static void clearSettings(Map<String, String> environment) {
    environment.keySet().removeIf(name -> name.startsWith("BITVILLE") || name.startsWith("GRAYLOG")
        || name.equals("JAVA_OPTS"));
  }

  private record Result(int exitCode, String output) {
  }

  private static Result bash(Path directory, String script) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", "-c", script));
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    clearSettings(builder.environment());
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("did not finish: " + script + "\n" + output);
    }
    return new Result(process.exitValue(), output);
  }
}
