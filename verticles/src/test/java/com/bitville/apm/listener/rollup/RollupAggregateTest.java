package com.bitville.apm.listener.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.analysis.RollupTable;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.model.PayloadCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A page of stored records as the rollup verticle turns it into one batch. */
class RollupAggregateTest {

  private static final long NOW = 1_795_000_000_000L;
  private static final long DAY = 86_400_000L;

  private static JsonObject stored(long id, long eventTimeMs) {
    byte[] payload = PayloadCodec.compress(Fixtures.phpJson("wire/slow_get.json").encode());
    return new JsonObject().put("id", id).put("project", "shop").put("kind", "php").put("source", "php")
        .put("event_time_ms", eventTimeMs).put("received_at_ms", NOW + id).put("duration_ms_text", "812.5")
        .put("route", "/orders").put("host", "web-1").put("sql_time_ms_text", "40").put("fatal", 0)
        .put("payload", payload);
  }

  @Test
  void recordsOlderThanTheRollupRetentionArePassedOver() {
    JsonArray page = new JsonArray().add(stored(1, NOW - 91 * DAY)).add(stored(2, NOW - 89 * DAY))
        .add(stored(3, NOW - 95 * DAY));
    RollupBatch batch = RollupVerticle.aggregate(page, NOW - 90 * DAY);
    assertEquals(3, batch.lastId(), "the cursor moves past every record of the page");
    assertEquals(NOW + 3, batch.lastReceivedMs());
    double requests = batch.rows().stream().filter(r -> r.table() == RollupTable.OVERVIEW)
        .mapToDouble(r -> r.values()[0]).sum();
    assertEquals(1, requests, "only the record within the retention is rolled up");
    assertEquals(1, batch.rows().stream().filter(r -> r.table() == RollupTable.PHP).count());
  }
}
