package com.bitville.apm.pgagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestConfigs;
import com.bitville.apm.pgagent.support.TestReceiver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The whole agent in-process while its database goes down and comes back. */
class AgentDatabaseOutageTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  @DisplayName("The database goes down and up: host metrics keep flowing, the agent reconnects and samples again")
  void databaseDownAndUp() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (PgServer pg = PgServer.start(); TestReceiver receiver = new TestReceiver(vertx, PgServer.freePort())) {
      receiver.start();
      JsonObject json = TestConfigs.base(pg.port(), "postgres", receiver.url(), TempDirs.create("outage-"));
      int healthPort = json.getJsonObject("health").getInteger("port");
      Sql.await(vertx.deployVerticle(new AgentVerticle(TestConfigs.config(json))));
      Sql.eventually(10_000, "first session samples", () -> !receiver.records("pg_stat_activity").isEmpty());

      pg.stopServer();
      double downAt = now();
      Sql.eventually(10_000, "health reports the outage",
          () -> "database_unavailable".equals(health(healthPort).getString("status")));
      Sql.eventually(10_000, "host metrics during the outage", () -> receiver.records("system_metrics").stream()
          .anyMatch(r -> r.getDouble("timestamp") > downAt + 0.5));
      Sql.eventually(25_000, "the outage recorded while it lasts, with its reason", () -> receiver.records("pg_agent")
          .stream().anyMatch(r -> "database_unavailable".equals(r.getJsonObject("data").getString("state"))
              && !r.getJsonObject("data").getString("reason", "").isBlank()));
      pg.startServer();
      double upAt = now();
      Sql.eventually(15_000, "sessions sampled again after the restart", () -> receiver.records("pg_stat_activity")
          .stream().anyMatch(r -> r.getDouble("timestamp") > upAt));
      Sql.eventually(25_000, "the whole outage recorded once it is over", () -> receiver.records("pg_agent")
          .stream().anyMatch(r -> "database_recovered".equals(r.getJsonObject("data").getString("state"))));
      JsonObject recovered = receiver.records("pg_agent").stream().map(r -> r.getJsonObject("data"))
          .filter(d -> "database_recovered".equals(d.getString("state"))).findFirst().orElseThrow();
      double from = java.time.Instant.parse(recovered.getString("outage_from")).toEpochMilli() / 1000.0;
      double to = java.time.Instant.parse(recovered.getString("outage_to")).toEpochMilli() / 1000.0;
      assertTrue(from >= downAt - 5 && from <= upAt && to >= upAt - 1, recovered.encode());
      JsonObject health = health(healthPort);
      assertEquals("ok", health.getString("status"));
      assertEquals(2, health.getJsonObject("database").getInteger("connections_opened"), "one reconnect");
      assertTrue(health.getJsonObject("collectors").getJsonObject("sessions").getInteger("failures") > 0,
          "samples failed (fast) during the outage instead of hanging");
    } finally {
      Sql.await(vertx.close());
    }
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  private static JsonObject health(int port) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/health")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(response.body());
    } catch (Exception e) {
      return new JsonObject();
    }
  }
}
