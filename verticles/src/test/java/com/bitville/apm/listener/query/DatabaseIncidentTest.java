package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Database incident shaping: lock trees")
class DatabaseIncidentTest {

  private static JsonObject wait(int blocked, int blocking) {
    return new JsonObject().put("blocked_pid", blocked).put("blocking_pid", blocking)
        .put("blocked_wait_ms", 100.0 * blocked).put("blocking_state", "active");
  }

  @Test
  @DisplayName("Two chains give two roots; a waiter behind two blockers sits under the first and names the other")
  void chains() {
    JsonArray trees = DatabaseIncident.trees(new JsonArray().add(wait(2, 1)).add(wait(3, 2)).add(wait(3, 9))
        .add(wait(5, 4)));
    assertEquals(2, trees.size(), trees.encodePrettily());
    JsonObject first = trees.getJsonObject(0);
    assertEquals(1, first.getInteger("pid"));
    assertEquals(2, first.getInteger("waiting_behind"));
    JsonObject three = first.getJsonArray("waiters").getJsonObject(0).getJsonArray("waiters").getJsonObject(0);
    assertEquals(3, three.getInteger("pid"));
    assertEquals(new JsonArray().add(9), three.getJsonArray("also_blocked_by"));
    assertTrue(trees.encode().contains("\"pid\":4"));
  }

  @Test
  @DisplayName("A deadlock caught mid-detection (a cycle) is shown once, from its smallest pid, without looping")
  void cycle() {
    JsonArray trees = DatabaseIncident.trees(new JsonArray().add(wait(7, 8)).add(wait(8, 7)).add(wait(9, 8)));
    assertEquals(1, trees.size(), trees.encodePrettily());
    assertEquals(7, trees.getJsonObject(0).getInteger("pid"));
    assertEquals(2, trees.getJsonObject(0).getInteger("waiting_behind"), "8, and 9 behind 8");
  }
}
