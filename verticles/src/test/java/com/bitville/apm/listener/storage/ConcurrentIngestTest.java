package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Several ingest instances writing at once lose and duplicate nothing")
class ConcurrentIngestTest {

  private static final int REQUESTS = 200;
  private static final int RECORDS_PER_REQUEST = 5;

  @Test
  @DisplayName("4 ingest instances, 200 concurrent batch requests: every record stored once, ids unique")
  void concurrentWriters() throws Exception {
    JsonObject config = new JsonObject().put("verticles", new JsonObject().put("http-ingest", 4));
    Vertx vertx = Vertx.vertx();
    try (TestListener listener = TestListener.start(config)) {
      WebClient client = listener.httpsClient(vertx);
      Set<String> sent = new HashSet<>();
      List<Future<?>> responses = new ArrayList<>();
      for (int r = 0; r < REQUESTS; r++) {
        JsonArray batch = new JsonArray();
        for (int i = 0; i < RECORDS_PER_REQUEST; i++) {
          String id = UUID.randomUUID().toString();
          sent.add(id);
          batch.add(Fixtures.phpJson("wire/slow_post.json").put("correlation_id", id));
        }
        responses.add(client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
            .sendBuffer(batch.toBuffer()));
      }
      Await.result(Future.all(responses));
      Set<Long> ids = new HashSet<>();
      for (Future<?> response : responses) {
        var http = (io.vertx.ext.web.client.HttpResponse<?>) response.result();
        assertEquals(200, http.statusCode(), http.bodyAsString());
        http.bodyAsJsonObject().getJsonArray("ids").forEach(id -> ids.add(((Number) id).longValue()));
      }
      assertEquals(REQUESTS * RECORDS_PER_REQUEST, ids.size(), "every answer carries distinct ids");
      assertEquals(REQUESTS * RECORDS_PER_REQUEST, listener.count("SELECT count(*) FROM records"));
      assertEquals(sent.size(), listener.count("SELECT count(DISTINCT correlation_id) FROM records"));
      assertEquals(38L * REQUESTS * RECORDS_PER_REQUEST, listener.count("SELECT sum(sql_count) FROM records"));
      assertEquals(listener.count("SELECT max(id) FROM records") - listener.count("SELECT min(id) FROM records") + 1,
          REQUESTS * RECORDS_PER_REQUEST, "ids are dense: no transaction failed half-way");
    } finally {
      Await.result(vertx.close());
    }
  }
}
