package com.bitville.apm.listener.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Bodies land in an array sized by their announced length up to 64 KiB and grow beyond it: every size and
 * framing must arrive byte for byte.
 */
@DisplayName("Request bodies of every size and framing are read whole")
class BodyReadingTest {

  private static TestListener listener;
  private static Vertx vertx;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start();
    vertx = Vertx.vertx();
    client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustOptions(new PemTrustOptions()
        .addCertPath(listener.certificate().toString())).setDefaultHost("localhost")
        .setDefaultPort(listener.ingestPort()));
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(vertx.close());
    listener.close();
  }

  /** NDJSON of {@code count} slow_get captures (55 KB each), each under a fresh correlation id. */
  private static Buffer captures(int count, String[] ids) {
    Buffer body = Buffer.buffer();
    for (int i = 0; i < count; i++) {
      ids[i] = UUID.randomUUID().toString();
      body.appendString(Fixtures.phpJson("wire/slow_get.json").put("correlation_id", ids[i]).encode())
          .appendString("\n");
    }
    return body;
  }

  private record Answer(int status, JsonObject body) {
  }

  private static Answer post(Buffer body, boolean chunked) throws Exception {
    return Await.result(client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/ingest/php")
            .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
            .putHeader("Content-Type", "application/x-ndjson"))
        .compose(request -> {
          if (chunked) {
            request.setChunked(true);
            int piece = 7_001;
            for (int at = 0; at < body.length(); at += piece) {
              request.write(body.getBuffer(at, Math.min(body.length(), at + piece)));
            }
            return request.end().compose(v -> request.response());
          }
          return request.send(body);
        })
        .compose(response -> response.body().map(answer -> new Answer(response.statusCode(),
            answer.toJsonObject()))));
  }

  private static void assertStoredWhole(String[] ids) throws Exception {
    String payloadSql = "SELECT count(*) FROM records WHERE correlation_id = ?";
    for (String id : ids) {
      assertEquals(1, listener.count(payloadSql, id), "stored once: " + id);
    }
  }

  @Test
  @DisplayName("One capture (under 64 KiB), and six (330 KB) with Content-Length or chunked: all stored")
  void everySizeAndFraming() throws Exception {
    for (int count : new int[] {1, 6}) {
      for (boolean chunked : new boolean[] {false, true}) {
        String[] ids = new String[count];
        Answer answer = post(captures(count, ids), chunked);
        assertEquals(200, answer.status(), answer.body().encode());
        assertEquals(count, answer.body().getJsonArray("ids").size(), answer.body().encode());
        assertStoredWhole(ids);
      }
    }
  }
}
