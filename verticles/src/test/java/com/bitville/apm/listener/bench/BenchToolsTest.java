package com.bitville.apm.listener.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The measuring parts of the benchmarks, on this JVM itself: CPU from /proc by thread and group (named through
 * jcmd), and the per-step tool. Bounded loops; no thresholds on speed.
 */
class BenchToolsTest {

  @Test
  void processCpuCountsABusyThreadUnderItsJavaName() throws Exception {
    long pid = ProcessHandle.current().pid();
    ProcessCpu.Snapshot before = ProcessCpu.snapshot(pid);
    java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch worked = new java.util.concurrent.CountDownLatch(1);
    Thread busy = new Thread(() -> {
      long deadline = System.nanoTime() + 60_000_000_000L;
      long sink = 0;
      var self = java.lang.management.ManagementFactory.getThreadMXBean();
      // at least 0.3 s of CPU (30 clock ticks), however busy the machine is
      while (self.getCurrentThreadCpuTime() < 300_000_000L && System.nanoTime() < deadline) {
        sink += Long.numberOfTrailingZeros(sink + System.nanoTime());
      }
      if (sink == 42) {
        System.out.println(sink);
      }
      worked.countDown();
      try {
        // alive until measured: a thread that ended is no longer listed under /proc/PID/task
        measured.await(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "vert.x-eventloop-thread-test-busy");
    busy.start();
    assertTrue(worked.await(90, java.util.concurrent.TimeUnit.SECONDS));
    ProcessCpu.Snapshot after = ProcessCpu.snapshot(pid);
    ProcessCpu.Usage usage = ProcessCpu.between(pid, before, after);
    measured.countDown();
    busy.join();
    assertTrue(usage.processSeconds() >= 0.25, "process CPU " + usage.processSeconds());
    assertTrue(usage.secondsByGroup().get("event loops") >= 0.25, "by group " + usage.secondsByGroup());
    assertEquals(usage.processSeconds() * 1e6 / 1000, usage.microsPer(1000), 1e-6);
    assertTrue(usage.topThreads().stream().anyMatch(t -> t.getKey().equals("vert.x-eventloop-thread-test-busy")),
        "named from jcmd: " + usage.topThreads());
    String text = ProcessCpu.describe(usage, 1.0, 1000);
    assertTrue(text.contains("event loops") && text.contains("JIT compiler") && text.contains("GC"), text);
  }

  @Test
  void threadThatEndedStillCounts() throws Exception {
    long pid = ProcessHandle.current().pid();
    ProcessCpu.Snapshot before = ProcessCpu.snapshot(pid);
    Thread busy = new Thread(() -> {
      var self = java.lang.management.ManagementFactory.getThreadMXBean();
      long deadline = System.nanoTime() + 60_000_000_000L;
      long sink = 0;
      while (self.getCurrentThreadCpuTime() < 300_000_000L && System.nanoTime() < deadline) {
        sink += Long.numberOfTrailingZeros(sink + System.nanoTime());
      }
      if (sink == 42) {
        System.out.println(sink);
      }
    }, "short-lived");
    busy.start();
    busy.join();
    // the OS thread may outlive join() for a moment: then its time is still listed under its own name
    ProcessCpu.Usage usage = ProcessCpu.between(pid, before, ProcessCpu.snapshot(pid));
    double listed = usage.topThreads().stream().filter(t -> t.getKey().equals("short-lived"))
        .mapToDouble(java.util.Map.Entry::getValue).sum();
    assertTrue(usage.secondsByGroup().get("threads that ended") + listed >= 0.25,
        "by group " + usage.secondsByGroup() + ", threads " + usage.topThreads());
  }

  @Test
  void threadGroupsByName() {
    assertEquals("storage writer", ProcessCpu.groupOf("bitville-sqlite-group-commit-0"));
    assertEquals("other workers", ProcessCpu.groupOf("vert.x-worker-thread-3"));
    assertEquals("JIT compiler", ProcessCpu.groupOf("C2 CompilerThread0"));
    assertEquals("GC", ProcessCpu.groupOf("G1 Conc#0"));
    assertEquals("GC", ProcessCpu.groupOf("VM Thread"));
    assertEquals("other", ProcessCpu.groupOf("Signal Dispatcher"));
  }

  @Test
  void partsToolMeasuresEveryStep() {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      BenchIngestParts.main(new String[] {"wire/slow_get.json", "1", "3"});
    } finally {
      System.setOut(original);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    for (String step : new String[] {"redact", "utf8 check", "sparse parse", "lz4", "rollup read full",
        "rollup read sparse", "profile+aggregate"}) {
      assertTrue(text.contains(" " + step + " "), step + " missing in: " + text);
    }
  }
}
