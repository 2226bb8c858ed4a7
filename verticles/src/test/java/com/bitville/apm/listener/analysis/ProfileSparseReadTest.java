package com.bitville.apm.listener.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.php.PhpProfile;
import com.bitville.apm.shared.php.PhpSparseReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rollup reads stored PHP payloads sparsely (only what the profile needs); the profile must be exactly the
 * one the full tree gives, for every real capture and for the older raw XHProf format.
 */
class ProfileSparseReadTest {

  private static PhpProfile full(String json) {
    return PhpProfile.of(new JsonObject(json));
  }

  private static PhpProfile sparse(String json) {
    return PhpProfile.of(PhpSparseReader.readProfile(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void realCapturesGiveTheSameProfile() {
    for (String name : List.of("wire/slow_get.json", "wire/slow_post.json", "wire/fatal.json",
        "wire/nosql_noxhprof.json", "socket/slow_get.json", "socket/fatal.json",
        "legacy-listener-schema.json", "disk-buffer/profile_20261123_181705_dcf29f93.json",
        "disk-buffer/profile_20261123_181709_f310c173.json")) {
      String json = Fixtures.php(name).toString(StandardCharsets.UTF_8);
      PhpProfile expected = full(json);
      assertEquals(expected, sparse(json), name);
      if (name.contains("slow_get")) {
        assertFalse(expected.functions().isEmpty() || expected.queries().isEmpty(), "the capture has both");
      }
    }
  }

  @Test
  void rawXhprofEdgesAndOddShapesGiveTheSameProfile() {
    JsonObject payload = new JsonObject()
        .put("xhprof", new JsonObject()
            .put("main()==>A::run", new JsonObject().put("ct", 1).put("wt", 900).put("extra", new JsonObject()))
            .put("A::run==>B::q", new JsonObject().put("ct", 12).put("wt", 300.5))
            .put("note", "not an edge").put("list", new JsonArray().add(1)))
        .put("sql", new JsonObject().put("queries", new JsonArray()
            .add(new JsonObject().put("sql", "SELECT * FROM t WHERE id = 7").put("time_ms", 1.5)
                .put("stack", new JsonArray().add(new JsonObject().put("file", "x.php"))))
            .add("not an object")
            .add(new JsonObject().put("query", "UPDATE t SET a = 1").put("duration_ms", 2))
            .add(new JsonObject().put("sql", "SELECT 1").put("time_ms", "3").put("query", new JsonObject()))));
    assertEquals(full(payload.encode()), sparse(payload.encode()));
    assertEquals(2, sparse(payload.encode()).functions().size());
  }

  @Test
  void notAnObjectIsRefused() {
    assertThrows(java.io.UncheckedIOException.class, () -> PhpSparseReader.readProfile("[1]".getBytes()));
    assertThrows(java.io.UncheckedIOException.class, () -> PhpSparseReader.readProfile("{\"a\":".getBytes()));
  }
}
