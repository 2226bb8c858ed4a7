package com.bitville.apm.pgagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.pgagent.support.TestReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The agent as operators run it: its own process, a config file, signals. Verifies the durable queue across a
 * restart while the listener is down, SIGTERM flushing, SIGHUP reloading, /health, and correlated records.
 */
class AgentProcessTest {

  private static PgServer pg;
  private static Vertx vertx;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void startServer() throws Exception {
    pg = PgServer.start();
    vertx = Vertx.vertx();
    PgConnection admin = Sql.connect(vertx, pg.port(), "postgres", "setup");
    Sql.run(admin, "CREATE EXTENSION pg_stat_statements");
    Sql.await(admin.close());
  }

  @AfterAll
  static void stopServer() {
    vertx.close();
    pg.close();
  }

  @Test
  @DisplayName("Records queued while the listener is down survive an agent restart and arrive, correlated")
  void durableAcrossRestartThenReload() throws Exception {
    Path state = com.bitville.apm.pgagent.support.TempDirs.create("pgagent-process-");
    TestReceiver receiver = new TestReceiver(vertx, PgServer.freePort());
    JsonObject json = TestConfigs.base(pg.port(), "postgres", receiver.url(), state);
    int healthPort = json.getJsonObject("health").getInteger("port");
    Path configFile = state.resolve("pg-agent.json");
    Files.writeString(configFile, json.encodePrettily());
    String correlationId = UUID.randomUUID().toString();
    PgConnection php = Sql.connect(vertx, pg.port(), "postgres", "bitville-" + correlationId);
    // idle in transaction: visible to every session sample for as long as the test runs
    Sql.run(php, "BEGIN");
    Sql.run(php, "SELECT 1");

    Process first = launch(configFile, state.resolve("agent-1.log"));
    Sql.eventually(20_000, "records queued on disk while the listener is down",
        () -> health(healthPort).map(h -> h.getJsonObject("delivery").getInteger("queue_batches") >= 2)
            .orElse(false));
    JsonObject beforeStop = health(healthPort).orElseThrow();
    assertEquals("ok", beforeStop.getString("status"));
    assertTrue(beforeStop.getJsonObject("database").getBoolean("connected"));
    first.destroy(); // SIGTERM
    assertTrue(first.waitFor(20, TimeUnit.SECONDS), "SIGTERM stops the agent");
    assertEquals(0, first.exitValue(), "clean exit after flushing");
    long queuedFiles;
    try (var files = Files.list(state.resolve("queue"))) {
      queuedFiles = files.filter(p -> p.toString().endsWith(".ndjson.gz")).count();
    }
    assertTrue(queuedFiles >= 2, "queue persisted on disk: " + queuedFiles);

    receiver.start();
    double restartedAt = System.currentTimeMillis() / 1000.0;
    Process second = launch(configFile, state.resolve("agent-2.log"));
    try {
      Sql.eventually(20_000, "records from before the restart delivered",
          () -> receiver.records().stream().anyMatch(r -> r.getDouble("timestamp") < restartedAt));
      Sql.eventually(20_000, "the PHP session's correlation id arrives",
          () -> receiver.records("pg_stat_activity").stream().anyMatch(r -> r.encode().contains(correlationId)));
      Sql.eventually(20_000, "host metrics arrive", () -> !receiver.records("system_metrics").isEmpty());
      assertListenerLinks(receiver.records(), correlationId);

      json.put("project", "reloaded");
      Files.writeString(configFile, json.encodePrettily());
      signal(second, "HUP");
      withAgentLog(state.resolve("agent-2.log"), () -> Sql.eventually(60_000, "records of the reloaded configuration",
          () -> receiver.records().stream().anyMatch(r -> "reloaded".equals(r.getString("project")))));

      Files.writeString(configFile, "{ not json");
      signal(second, "HUP");
      Thread.sleep(1_500);
      int before = receiver.records().size();
      Sql.eventually(10_000, "still running after an invalid reload", () -> receiver.records().size() > before
          && health(healthPort).isPresent());
      assertTrue(Files.readString(state.resolve("agent-2.log")).contains("configuration rejected"));
    } finally {
      second.destroy();
      assertTrue(second.waitFor(20, TimeUnit.SECONDS));
      receiver.close();
      Sql.await(php.close());
    }
    assertEquals(0, second.exitValue());
    for (String log : List.of("agent-1.log", "agent-2.log")) {
      String text = Files.readString(state.resolve(log));
      assertTrue(!text.contains("Exception in thread"), "clean shutdown without stray exceptions: " + log);
      assertTrue(text.contains("stopping: flushing queued records to disk"), log);
    }
  }

  /** The listener's own normalizer (shared module) accepts every record and links the PHP request's id. */
  private static void assertListenerLinks(List<JsonObject> records, String correlationId) {
    boolean linked = false;
    for (JsonObject record : records) {
      var normalized = com.bitville.apm.shared.pg.PostgresEnvelopeNormalizer.normalize(record, "shop",
          System.currentTimeMillis(), "$");
      linked |= normalized.correlationIds().contains(correlationId);
    }
    assertTrue(linked, "a record links to the PHP request " + correlationId);
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Runs a waiting step; when it times out, the failure carries the agent's own log, which the test deletes. */
  private static void withAgentLog(Path log, Step step) throws Exception {
    try {
      step.run();
    } catch (AssertionError e) {
      String text = Files.readString(log);
      throw new AssertionError(e.getMessage() + "\nagent log (last 4000 characters):\n"
          + text.substring(Math.max(0, text.length() - 4_000)), e);
    }
  }

  private static Process launch(Path configFile, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return new ProcessBuilder(List.of(java, "-Xmx128m", "-cp", classpath, PgAgentMain.class.getName(),
        "--config", configFile.toString()))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static void signal(Process process, String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start();
    assertTrue(kill.waitFor(5, TimeUnit.SECONDS));
  }

  private static java.util.Optional<JsonObject> health(int port) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/health")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? java.util.Optional.of(new JsonObject(response.body()))
          : java.util.Optional.empty();
    } catch (Exception e) {
      return java.util.Optional.empty();
    }
  }
}
