package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The database on a real, size-limited filesystem (tmpfs). Mounting needs root, which CI has; elsewhere the
 * test is skipped with a message saying so.
 */
@DisplayName("Disk full: refused with 503, nothing half-stored, /ready down, recovery without a restart")
class DiskFullTest {

  private static final long DEADLINE_MS = 60_000;

  @Test
  @DisplayName("Fill the filesystem under the database, post until refused, free the space, ingest works again")
  void recoversAfterTheDiskWasFull() throws Exception {
    Path mount = Files.createTempDirectory("bitville-diskfull-");
    Assumptions.assumeTrue(mountTmpfs(mount, "32m"), "skipped: cannot mount a size-limited tmpfs here "
        + "(needs root, as in CI); the disk-full recovery is not tested on this machine");
    Vertx vertx = Vertx.vertx();
    Path filler = mount.resolve("filler");
    try (TestListener listener = TestListener.start(mount.resolve("data"), new JsonObject()
        .put("management", new JsonObject().put("minFreeDiskBytes", 1)))) {
      WebClient ingest = listener.httpsClient(vertx);
      WebClient management = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(listener.managementPort()));
      assertEquals(200, post(ingest, UUID.randomUUID().toString()).statusCode());

      fill(filler);
      List<String> refused = new ArrayList<>();
      List<String> accepted = new ArrayList<>();
      HttpResponse<Buffer> refusal = postUntilRefused(ingest, accepted, refused);
      assertEquals(503, refusal.statusCode(), refusal.bodyAsString());
      assertNotNull(refusal.getHeader("Retry-After"), "a full disk asks the agent to retry later");
      JsonObject storageCheck = storageCheck(management);
      assertEquals("DOWN", storageCheck.getString("status"), "/ready while writes fail: " + storageCheck);

      Files.delete(filler);
      long deadline = System.currentTimeMillis() + DEADLINE_MS;
      while (!"UP".equals(storageCheck(management).getString("status")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertEquals("UP", storageCheck(management).getString("status"), "storage recovers by itself");
      for (int i = 0; i < 20; i++) {
        String id = UUID.randomUUID().toString();
        HttpResponse<Buffer> response = post(ingest, id);
        assertEquals(200, response.statusCode(), "after the space is back: " + response.bodyAsString());
        accepted.add(id);
      }
      for (String id : accepted) {
        assertEquals(1, listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", id),
            "acknowledged record stored exactly once");
      }
      for (String id : refused) {
        assertEquals(0, listener.count("SELECT count(*) FROM records WHERE correlation_id = ?", id),
            "a record answered with 503 must not be stored");
      }
      assertEquals(200, Await.result(management.get("/ready").send()).statusCode());
    } finally {
      Files.deleteIfExists(filler);
      Await.result(vertx.close());
      unmount(mount);
    }
  }

  private static HttpResponse<Buffer> post(WebClient client, String correlationId) throws Exception {
    JsonObject payload = Fixtures.phpJson("wire/slow_get.json").put("correlation_id", correlationId);
    return Await.result(client.post("/ingest/php").putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(payload.toBuffer()));
  }

  /** Posts fresh records until one is refused; remembers which were acknowledged and which refused. */
  private static HttpResponse<Buffer> postUntilRefused(WebClient client, List<String> accepted, List<String> refused)
      throws Exception {
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    for (int i = 0; i < 2_000 && System.currentTimeMillis() < deadline; i++) {
      String id = UUID.randomUUID().toString();
      HttpResponse<Buffer> response = post(client, id);
      if (response.statusCode() == 200) {
        accepted.add(id);
        continue;
      }
      refused.add(id);
      // a few more while full: each must be refused and none half-stored
      for (int j = 0; j < 5; j++) {
        String again = UUID.randomUUID().toString();
        HttpResponse<Buffer> next = post(client, again);
        assertFalse(next.statusCode() == 200, "still full, yet accepted: " + next.bodyAsString());
        refused.add(again);
      }
      return response;
    }
    throw new AssertionError("the full disk never refused a record");
  }

  private static JsonObject storageCheck(WebClient management) throws Exception {
    JsonObject ready = Await.result(management.get("/ready").send()).bodyAsJsonObject();
    return ready.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(check -> "storage".equals(check.getString("id"))).findFirst().orElseThrow();
  }

  private static void fill(Path filler) throws IOException {
    byte[] block = new byte[64 * 1024];
    try (FileOutputStream out = new FileOutputStream(filler.toFile())) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      // the filesystem is full, which is the point
    }
  }

  private static boolean mountTmpfs(Path mount, String size) {
    try {
      Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString())
          .redirectErrorStream(true).start();
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void unmount(Path mount) throws Exception {
    Process process = new ProcessBuilder("umount", mount.toString()).redirectErrorStream(true).start();
    process.waitFor(30, TimeUnit.SECONDS);
    Files.deleteIfExists(mount);
  }
}
