package com.bitville.apm.pgagent.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Raw counters read from {@code /proc} at one instant (no native code, no external tools). Rates come from the
 * difference of two snapshots. Blocking file reads: call from a worker thread.
 */
public record ProcSnapshot(long atNanos, long[] cpu, int cpuCount, double[] load, Map<String, Long> memoryKb,
    Map<String, long[]> disks, Map<String, long[]> interfaces) {

  /** Whole devices only, so partitions and device-mapper volumes are not counted twice in the totals. */
  static final Pattern PHYSICAL_DISK =
      Pattern.compile("(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\\d+n\\d+|mmcblk\\d+)");
  private static final Pattern IGNORED_DISK = Pattern.compile("(loop|ram|zram|sr|fd)\\d*");

  public static ProcSnapshot read(Path procRoot) throws IOException {
    List<String> stat = Files.readAllLines(procRoot.resolve("stat"));
    return new ProcSnapshot(System.nanoTime(), cpuTotals(stat), cpuCount(stat),
        loadAverages(Files.readString(procRoot.resolve("loadavg"))),
        memory(Files.readAllLines(procRoot.resolve("meminfo"))),
        disks(readIfExists(procRoot.resolve("diskstats"))),
        interfaces(readIfExists(procRoot.resolve("net/dev"))));
  }

  private static List<String> readIfExists(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  /** user, nice, system, idle, iowait, irq, softirq, steal (jiffies). */
  private static long[] cpuTotals(List<String> stat) {
    String[] parts = stat.get(0).trim().split("\\s+");
    long[] values = new long[8];
    for (int i = 0; i < values.length && i + 1 < parts.length; i++) {
      values[i] = Long.parseLong(parts[i + 1]);
    }
    return values;
  }

  private static int cpuCount(List<String> stat) {
    return (int) stat.stream().filter(line -> line.matches("cpu\\d+\\s.*")).count();
  }

  private static double[] loadAverages(String loadavg) {
    String[] parts = loadavg.trim().split("\\s+");
    return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
  }

  private static Map<String, Long> memory(List<String> meminfo) {
    Map<String, Long> kb = new LinkedHashMap<>();
    for (String line : meminfo) {
      String[] parts = line.split(":\\s*|\\s+");
      if (parts.length >= 2) {
        kb.put(parts[0], Long.parseLong(parts[1]));
      }
    }
    return kb;
  }

  /** name -> reads, sectors read, writes, sectors written, ms doing I/O. */
  private static Map<String, long[]> disks(List<String> diskstats) {
    Map<String, long[]> disks = new LinkedHashMap<>();
    for (String line : diskstats) {
      String[] p = line.trim().split("\\s+");
      if (p.length >= 13 && !IGNORED_DISK.matcher(p[2]).matches()) {
        disks.put(p[2], new long[] {Long.parseLong(p[3]), Long.parseLong(p[5]), Long.parseLong(p[7]),
            Long.parseLong(p[9]), Long.parseLong(p[12])});
      }
    }
    return disks;
  }

  /** name -> bytes recv, packets recv, errors in, drops in, bytes sent, packets sent, errors out, drops out. */
  private static Map<String, long[]> interfaces(List<String> netdev) {
    Map<String, long[]> interfaces = new LinkedHashMap<>();
    for (String line : netdev) {
      int colon = line.indexOf(':');
      if (colon < 0 || line.contains("|")) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String[] p = line.substring(colon + 1).trim().split("\\s+");
      if (p.length >= 12) {
        interfaces.put(name, new long[] {Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]),
            Long.parseLong(p[3]), Long.parseLong(p[8]), Long.parseLong(p[9]), Long.parseLong(p[10]),
            Long.parseLong(p[11])});
      }
    }
    return interfaces;
  }
}
