package com.bitville.apm.pgagent.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostMetricsTest {

  @TempDir
  Path proc;

  @Test
  @DisplayName("CPU, iowait, disk and network are rates between two /proc snapshots")
  void ratesFromKnownFiles() throws Exception {
    write(1000, 0, 1000, 0, 0);
    ProcSnapshot before = ProcSnapshot.read(proc);
    // +600 user, +100 system, +200 idle, +100 iowait jiffies; +2048 sectors read; +1,000,000 bytes received
    write(1600, 100, 1200, 100, 2048);
    ProcSnapshot after = ProcSnapshot.read(proc);
    ProcSnapshot later = new ProcSnapshot(before.atNanos() + 2_000_000_000L, after.cpu(), after.cpuCount(),
        after.load(), after.memoryKb(), after.disks(), after.interfaces());
    JsonObject m = HostMetrics.between(before, later, List.of("/"));
    assertEquals(70.0, m.getJsonObject("cpu").getDouble("percent"));
    assertEquals(10.0, m.getJsonObject("cpu").getDouble("iowait_percent"));
    assertEquals(2, m.getJsonObject("cpu").getInteger("count_logical"));
    assertEquals(1.5, m.getJsonObject("cpu").getDouble("load_avg_1m"));
    assertEquals(2048 * 512 / 2.0, m.getJsonObject("disk_io").getDouble("read_bytes_per_s"));
    assertEquals(1, m.getJsonObject("disk_io").getJsonObject("devices").size(), "loop devices ignored");
    assertEquals(500_000.0, m.getJsonObject("network_io").getDouble("bytes_recv_per_s"));
    assertEquals(2_500_000.0, m.getJsonObject("network_io").getJsonObject("interfaces").getJsonObject("lo")
        .getDouble("bytes_recv_per_s"), "loopback shown per interface but left out of the totals");
    assertEquals(8L * 1024 * 1024 * 1024, m.getJsonObject("memory").getLong("total"));
    assertEquals(50.0, m.getJsonObject("memory").getDouble("percent"));
    assertEquals(25.0, m.getJsonObject("swap").getDouble("percent"));
    assertTrue(m.getJsonObject("disk_usage").getJsonObject("/").getLong("total") > 0);
  }

  @Test
  @DisplayName("Disk use is what df says: reserved blocks count as unavailable, rounded up")
  void diskUseAsDf() throws Exception {
    assertEquals(23.0, HostMetrics.dfPercent(2_200, 7_400), "2200 used of 9600 usable is 22.9 %, df says 23");
    for (String path : List.of("/", System.getProperty("java.io.tmpdir"))) {
      Process df = new ProcessBuilder("df", "-P", path).redirectErrorStream(true).start();
      String[] lines = new String(df.getInputStream().readAllBytes()).trim().split("\n");
      assertTrue(df.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && df.exitValue() == 0);
      double dfPercent = Double.parseDouble(lines[lines.length - 1].trim().split("\\s+")[4].replace("%", ""));
      JsonObject usage = HostMetrics.between(ProcSnapshot.read(java.nio.file.Path.of("/proc")),
          ProcSnapshot.read(java.nio.file.Path.of("/proc")), List.of(path)).getJsonObject("disk_usage")
          .getJsonObject(path);
      assertTrue(Math.abs(usage.getDouble("percent") - dfPercent) <= 1.0,
          path + ": ours " + usage.getDouble("percent") + " %, df " + dfPercent + " %");
    }
  }

  @Test
  @DisplayName("The real /proc of this machine parses and gives sane values")
  void realProc() throws Exception {
    ProcSnapshot a = ProcSnapshot.read(Path.of("/proc"));
    Thread.sleep(200);
    JsonObject m = HostMetrics.between(a, ProcSnapshot.read(Path.of("/proc")), List.of("/"));
    double cpu = m.getJsonObject("cpu").getDouble("percent");
    assertTrue(cpu >= 0 && cpu <= 100, "cpu " + cpu);
    assertTrue(m.getJsonObject("memory").getLong("total") > 0);
    assertEquals(Runtime.getRuntime().availableProcessors(), m.getJsonObject("cpu").getInteger("count_logical"));
  }

  private void write(long user, long system, long idle, long iowait, long sectorsRead) throws Exception {
    Files.writeString(proc.resolve("stat"), String.format(
        "cpu  %d 0 %d %d %d 0 0 0 0 0%ncpu0 1 0 0 0 0 0 0 0 0 0%ncpu1 1 0 0 0 0 0 0 0 0 0%nintr 1%n",
        user, system, idle, iowait));
    Files.writeString(proc.resolve("loadavg"), "1.50 1.00 0.50 2/300 12345\n");
    Files.writeString(proc.resolve("meminfo"), "MemTotal:       8388608 kB\nMemFree:     1000 kB\n"
        + "MemAvailable:   4194304 kB\nBuffers:    100 kB\nCached:    200 kB\nSwapTotal:  4000 kB\n"
        + "SwapFree:   3000 kB\n");
    Files.writeString(proc.resolve("diskstats"), String.format(
        "   8       0 sda 10 0 %d 0 0 0 0 0 0 0 0 0 0 0 0 0 0%n   7       0 loop0 1 0 1 0 0 0 0 0 0 0 0%n",
        sectorsRead));
    Files.createDirectories(proc.resolve("net"));
    long recv = sectorsRead == 0 ? 0 : 1_000_000;
    Files.writeString(proc.resolve("net/dev"), "Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n"
        + "    lo: " + (recv * 5) + " 1 0 0 0 0 0 0 " + recv + " 1 0 0 0 0 0 0\n"
        + "  eth0: " + recv + " 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  }
}
