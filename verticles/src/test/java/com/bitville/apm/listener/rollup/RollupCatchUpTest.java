package com.bitville.apm.listener.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.Component;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.SharedListener;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("The rollup yields to a busy ingest and catches up afterwards")
class RollupCatchUpTest {

  private static final int BATCH = 10;
  private static final int MAX_RECORDS = 2_000;

  @RegisterExtension
  static final SharedListener SHARED = new SharedListener(new JsonObject()
      .put("rollup", new JsonObject().put("pageRecords", 10).put("catchUpShare", 0.2))
      .put("ingest", new JsonObject().put("rateLimit", new JsonObject().put("perKeyPerSecond", 10_000))));

  @Test
  @DisplayName("Records arriving while the rollup works make it pause between pages; it still rolls up every one")
  void pausesWhileIngestIsBusyAndCatchesUp() throws Exception {
    int sent = 0;
    long deadline = System.currentTimeMillis() + 60_000;
    while (status().getLong("catch_up_pauses") == 0 && sent < MAX_RECORDS
        && System.currentTimeMillis() < deadline) {
      send();
      sent += BATCH;
    }
    JsonObject status = awaitRolled(sent);
    assertEquals(sent, status.getLong("rolled_records"), status.encode());
    assertTrue(status.getLong("catch_up_pauses") > 0, "pages with new records behind them paused: " + status.encode());
    assertTrue(status.getLong("catch_up_paused_ms") > 0, status.encode());
  }

  private static void send() throws Exception {
    JsonArray batch = new JsonArray();
    for (int i = 0; i < BATCH; i++) {
      batch.add(Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id", UUID.randomUUID().toString())
          .put("timestamp", System.currentTimeMillis() / 1000.0));
    }
    assertEquals(200, Await.result(SHARED.client().post("/ingest/php")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(batch.toBuffer())).statusCode());
  }

  private static JsonObject status() throws Exception {
    return Await.result(SHARED.listener().vertx().eventBus().<JsonObject>request(
        Component.ROLLUP.statusAddress(), new JsonObject())).body();
  }

  private static JsonObject awaitRolled(int records) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    JsonObject status;
    do {
      status = status();
      if (status.getLong("rolled_records") >= records) {
        return status;
      }
      Thread.sleep(100);
    } while (System.currentTimeMillis() < deadline);
    return status;
  }
}
