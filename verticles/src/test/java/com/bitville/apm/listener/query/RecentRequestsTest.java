package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.shared.model.FunctionCall;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The profiles of just-shown requests: only for their projects, only fresh, bounded in entries and bytes. */
class RecentRequestsTest {

  private static Comparison.Subject subject(long id, String project, int functions) {
    List<FunctionCall> calls = java.util.stream.IntStream.range(0, functions)
        .mapToObj(i -> new FunctionCall("f" + i + "==>g", 1, 10)).toList();
    return new Comparison.Subject(id, project, "/r", 12.5, calls, List.of(), true, false);
  }

  @Test
  @DisplayName("A shown request is found by its id for a user of its project, not for others, not after a minute")
  void projectsAndAge() {
    RecentRequests recent = new RecentRequests(8, 1 << 20, 60_000);
    recent.put(subject(7, "shop", 3), 1_000L, 0);
    RecentRequests.Shown shown = recent.get(7, List.of("shop"), 59_999);
    assertNotNull(shown);
    assertEquals(1_000L, shown.eventTimeMs());
    assertEquals(3, shown.subject().functions().size());
    assertNull(recent.get(7, List.of("billing"), 1), "another project's user learns nothing");
    assertNull(recent.get(8, List.of("shop"), 1));
    assertNull(recent.get(7, List.of("shop"), 60_001), "stale");
    assertEquals(0, recent.size(), "a stale entry is dropped when met");
    assertEquals(0, recent.bytes());
  }

  @Test
  @DisplayName("Bounded: the least recently used go first when entries or bytes run out; a giant is not kept")
  void bounded() {
    long one = RecentRequests.estimateBytes(subject(1, "shop", 100));
    RecentRequests recent = new RecentRequests(3, 3 * one, 60_000);
    for (long id = 1; id <= 3; id++) {
      recent.put(subject(id, "shop", 100), 0, 0);
    }
    assertNotNull(recent.get(1, List.of("shop"), 0), "touching 1 makes 2 the least recently used");
    recent.put(subject(4, "shop", 100), 0, 0);
    assertNull(recent.get(2, List.of("shop"), 0));
    assertNotNull(recent.get(1, List.of("shop"), 0));
    assertEquals(3, recent.size());
    recent.put(subject(5, "shop", 250), 0, 0);
    assertTrue(recent.bytes() <= 3 * one, "bytes stay within the budget: " + recent.bytes());
    recent.put(subject(6, "shop", 10_000), 0, 0);
    assertNull(recent.get(6, List.of("shop"), 0), "larger than the whole budget: not kept");
    assertTrue(recent.bytes() <= 3 * one);
    recent.put(subject(5, "shop", 1), 0, 0);
    assertEquals(RecentRequests.estimateBytes(subject(5, "shop", 1)),
        recent.bytes() - sumOthers(recent, 5), "replacing an entry releases its old bytes");
  }

  private static long sumOthers(RecentRequests recent, long except) {
    long sum = 0;
    for (long id = 1; id <= 6; id++) {
      RecentRequests.Shown shown = id == except ? null : recent.get(id, List.of("shop"), 0);
      sum += shown == null ? 0 : shown.bytes();
    }
    return sum;
  }
}
