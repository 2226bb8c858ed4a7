package com.bitville.apm.pgagent.support;

import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/** Builds agent configurations for tests from the real defaults, overriding only what a test needs. */
public final class TestConfigs {

  private TestConfigs() {
  }

  /** Defaults pointed at a test server, a test receiver and a private state directory; fast intervals. */
  public static JsonObject base(int pgPort, String database, String receiverUrl, Path state) throws Exception {
    TestReceiver.ensureCertificate();
    JsonObject json = ConfigLoader.defaults();
    json.put("project", "shop");
    json.getJsonObject("database").put("port", pgPort).put("name", database).put("user", "postgres")
        .put("backoff_initial_ms", 200).put("backoff_max_ms", 1000).put("connect_timeout_ms", 2000);
    json.getJsonObject("sessions").put("interval_ms", 500).put("busy_interval_ms", 200);
    json.getJsonObject("locks").put("interval_ms", 300);
    json.getJsonObject("statements").put("interval_ms", 1000);
    json.getJsonObject("logs").put("interval_ms", 300).put("offsets_file", state.resolve("offsets.json").toString());
    json.getJsonObject("host").put("interval_ms", 500);
    json.getJsonObject("delivery").put("url", receiverUrl).put("api_key", TestReceiver.API_KEY)
        .put("pin_sha256", TestReceiver.pin()).put("queue_dir", state.resolve("queue").toString())
        .put("flush_interval_ms", 200).put("retry_initial_ms", 200).put("retry_max_ms", 1000)
        .put("breaker_reset_ms", 1000).put("request_timeout_ms", 3000).put("shutdown_drain_ms", 2000);
    json.getJsonObject("health").put("port", PgServer.freePort());
    return json;
  }

  public static AgentConfig config(JsonObject json) {
    return AgentConfig.from(json);
  }
}
