package com.bitville.apm.pgagent.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.pgagent.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The manual install steps of README.md and docs/pg-agent.md, run as typed (plus connection options). */
class PgAgentDocCommandsTest {

  @Test
  @DisplayName("psql -f pg-agent/packaging/monitoring-role.sql creates the monitoring role with pg_monitor")
  void monitoringRoleScript() throws Exception {
    try (PgServer pg = PgServer.start()) {
      List<String> connection = List.of("-X", "-v", "ON_ERROR_STOP=1", "-h", pg.root().toString(), "-p",
          String.valueOf(pg.port()), "-U", "postgres", "-d", "postgres");
      Result created = psql(connection, List.of("-f", "packaging/monitoring-role.sql"));
      assertEquals(0, created.exitCode(), created.output());
      Result role = psql(connection, List.of("-At", "-F", "|", "-c", "SELECT pg_has_role('bitville_monitor', "
          + "'pg_monitor', 'member'), (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'bitville_monitor'), "
          + "EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')"));
      assertEquals("t|t|t", role.output().strip());
    }
  }

  @Test
  @DisplayName("openssl x509 -noout -fingerprint -sha256 prints a value the agent takes as delivery.pin_sha256")
  void opensslPin() throws Exception {
    TestReceiver.ensureCertificate();
    Result printed = run(List.of("openssl", "x509", "-in", TestReceiver.certPem().toString(), "-noout",
        "-fingerprint", "-sha256"));
    assertEquals(0, printed.exitCode(), printed.output());
    Matcher value = Pattern.compile("=([0-9A-Fa-f:]+)").matcher(printed.output());
    assertTrue(value.find(), printed.output());
    JsonObject json = TestConfigs.base(PgServer.freePort(), "postgres", "https://127.0.0.1:1/ingest/postgres",
        TempDirs.create("pgagent-pin-"));
    AgentConfig expected = TestConfigs.config(json.copy());
    assertEquals(64, expected.delivery().pinSha256().length(), "the receiver's own pin, as the tests set it");
    json.getJsonObject("delivery").put("pin_sha256", value.group(1));
    assertEquals(expected.delivery().pinSha256(), TestConfigs.config(json).delivery().pinSha256());
  }

  private record Result(int exitCode, String output) {
  }

  private static Result psql(List<String> connection, List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of("psql"));
    command.addAll(connection);
    command.addAll(args);
    return run(command);
  }

  private static Result run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
    return new Result(process.exitValue(), output);
  }
}
