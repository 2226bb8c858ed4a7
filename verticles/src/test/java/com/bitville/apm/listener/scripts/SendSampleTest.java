package com.bitville.apm.listener.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Script;
import com.bitville.apm.listener.testsupport.TestListener;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The README's first payload: scripts/send-sample with the banner's URL and key, against a real listener. */
class SendSampleTest {

  private static final Pattern SENT_ID = Pattern.compile("as correlation id ([0-9a-f-]{36})");

  @Test
  @DisplayName("send-sample stores a capture as a new request of right now, each run a new one")
  void sendsStampedSample() throws Exception {
    try (TestListener listener = TestListener.start()) {
      String url = "https://localhost:" + listener.ingestPort() + "/ingest/php";
      List<String> args = List.of("--url", url, "--key", TestListener.SHOP_KEY,
          "--cacert", listener.certificate().toString());
      String first = sentId(Script.run("send-sample", args));
      String second = sentId(Script.run("send-sample", args));
      assertNotEquals(first, second);
      for (String id : List.of(first, second)) {
        List<Map<String, Object>> rows = listener.rows(
            "SELECT event_time_ms, route FROM records WHERE correlation_id = ?", id);
        assertEquals(1, rows.size(), id);
        long age = System.currentTimeMillis() - ((Number) rows.get(0).get("event_time_ms")).longValue();
        assertTrue(age >= 0 && age < 300_000, "stamped with the current time, got an age of " + age + " ms");
        assertEquals("/orders", rows.get(0).get("route"));
      }
    }
  }

  @Test
  @DisplayName("send-sample with a wrong key fails with the listener's answer")
  void wrongKeyFails() throws Exception {
    try (TestListener listener = TestListener.start()) {
      Script.Result result = Script.run("send-sample", List.of("--url", "https://localhost:" + listener.ingestPort()
          + "/ingest/php", "--key", "not-the-key-0123456789", "--cacert", listener.certificate().toString()));
      assertNotEquals(0, result.exitCode(), result.output());
      assertTrue(result.output().contains("HTTP 401"), result.output());
      assertEquals(0, listener.count("SELECT count(*) FROM records"));
    }
  }

  private static String sentId(Script.Result result) {
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("HTTP 200"), result.output());
    Matcher matcher = SENT_ID.matcher(result.output());
    assertTrue(matcher.find(), result.output());
    return matcher.group(1);
  }
}
