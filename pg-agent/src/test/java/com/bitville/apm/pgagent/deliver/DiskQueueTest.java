package com.bitville.apm.pgagent.deliver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskQueueTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("Batches come out oldest first and survive reopening the queue (a restart)")
  void fifoAndDurable() throws Exception {
    DiskQueue queue = new DiskQueue(dir, 1 << 20);
    queue.append(new byte[] {1}, 3);
    queue.append(new byte[] {2}, 4);
    DiskQueue reopened = new DiskQueue(dir, 1 << 20);
    assertEquals(2, reopened.depth());
    DiskQueue.Batch first = reopened.peek().orElseThrow();
    assertArrayEquals(new byte[] {1}, first.body());
    assertEquals(3, first.records());
    reopened.remove(first);
    reopened.append(new byte[] {3}, 1);
    assertArrayEquals(new byte[] {2}, reopened.peek().orElseThrow().body());
    reopened.remove(reopened.peek().orElseThrow());
    assertArrayEquals(new byte[] {3}, reopened.peek().orElseThrow().body());
  }

  @Test
  @DisplayName("Beyond its size bound the queue drops the oldest batches and counts their records")
  void bounded() throws Exception {
    DiskQueue queue = new DiskQueue(dir, 250);
    for (int i = 0; i < 5; i++) {
      queue.append(new byte[100], 10 + i);
    }
    assertEquals(2, queue.depth());
    assertTrue(queue.sizeBytes() <= 250);
    assertEquals(10 + 11 + 12, queue.droppedOldestRecords());
    assertEquals(13, queue.peek().orElseThrow().records(), "the newest data is kept");
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count());
    }
  }
}
