package com.bitville.apm.pgagent.host;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.util.List;
import java.util.Map;

/** Turns two /proc snapshots into the system_metrics data: rates per second and percentages, never raw counters. */
public final class HostMetrics {

  private static final int SECTOR_BYTES = 512;

  private HostMetrics() {
  }

  public static JsonObject between(ProcSnapshot before, ProcSnapshot now, List<String> diskPaths) {
    double seconds = Math.max(0.001, (now.atNanos() - before.atNanos()) / 1e9);
    return new JsonObject()
        .put("interval_s", round(seconds))
        .put("cpu", cpu(before, now))
        .put("memory", memory(now.memoryKb()))
        .put("swap", swap(now.memoryKb()))
        .put("disk_io", diskIo(before.disks(), now.disks(), seconds))
        .put("network_io", networkIo(before.interfaces(), now.interfaces(), seconds))
        .put("disk_usage", diskUsage(diskPaths));
  }

  private static JsonObject cpu(ProcSnapshot before, ProcSnapshot now) {
    long[] d = new long[8];
    long total = 0;
    for (int i = 0; i < d.length; i++) {
      d[i] = Math.max(0, now.cpu()[i] - before.cpu()[i]);
      total += d[i];
    }
    double busy = total - d[3] - d[4];
    return new JsonObject()
        .put("percent", pct(busy, total))
        .put("user_percent", pct(d[0] + d[1], total))
        .put("system_percent", pct(d[2] + d[5] + d[6], total))
        .put("iowait_percent", pct(d[4], total))
        .put("steal_percent", pct(d[7], total))
        .put("count_logical", now.cpuCount())
        .put("load_avg_1m", now.load()[0])
        .put("load_avg_5m", now.load()[1])
        .put("load_avg_15m", now.load()[2]);
  }

  private static JsonObject memory(Map<String, Long> kb) {
    long total = kb.getOrDefault("MemTotal", 0L) * 1024;
    long available = kb.getOrDefault("MemAvailable", kb.getOrDefault("MemFree", 0L)) * 1024;
    return new JsonObject()
        .put("total", total)
        .put("available", available)
        .put("used", total - available)
        .put("percent", pct(total - available, total))
        .put("buffers", kb.getOrDefault("Buffers", 0L) * 1024)
        .put("cached", kb.getOrDefault("Cached", 0L) * 1024);
  }

  private static JsonObject swap(Map<String, Long> kb) {
    long total = kb.getOrDefault("SwapTotal", 0L) * 1024;
    long free = kb.getOrDefault("SwapFree", 0L) * 1024;
    return new JsonObject().put("total", total).put("used", total - free).put("free", free)
        .put("percent", pct(total - free, total));
  }

  private static JsonObject diskIo(Map<String, long[]> before, Map<String, long[]> now, double seconds) {
    JsonObject devices = new JsonObject();
    double[] totals = new double[4];
    now.forEach((name, counters) -> {
      long[] old = before.get(name);
      if (old == null) {
        return;
      }
      double[] rates = new double[5];
      for (int i = 0; i < 5; i++) {
        rates[i] = Math.max(0, counters[i] - old[i]) / seconds;
      }
      devices.put(name, new JsonObject()
          .put("reads_per_s", round(rates[0]))
          .put("read_bytes_per_s", round(rates[1] * SECTOR_BYTES))
          .put("writes_per_s", round(rates[2]))
          .put("write_bytes_per_s", round(rates[3] * SECTOR_BYTES))
          .put("busy_percent", round(Math.min(100, rates[4] / 10.0))));
      if (ProcSnapshot.PHYSICAL_DISK.matcher(name).matches()) {
        totals[0] += rates[0];
        totals[1] += rates[1] * SECTOR_BYTES;
        totals[2] += rates[2];
        totals[3] += rates[3] * SECTOR_BYTES;
      }
    });
    return new JsonObject().put("reads_per_s", round(totals[0])).put("read_bytes_per_s", round(totals[1]))
        .put("writes_per_s", round(totals[2])).put("write_bytes_per_s", round(totals[3])).put("devices", devices);
  }

  private static JsonObject networkIo(Map<String, long[]> before, Map<String, long[]> now, double seconds) {
    String[] names = {"bytes_recv_per_s", "packets_recv_per_s", "errin_per_s", "dropin_per_s", "bytes_sent_per_s",
        "packets_sent_per_s", "errout_per_s", "dropout_per_s"};
    JsonObject interfaces = new JsonObject();
    double[] totals = new double[names.length];
    now.forEach((name, counters) -> {
      long[] old = before.get(name);
      if (old == null) {
        return;
      }
      JsonObject rates = new JsonObject();
      for (int i = 0; i < names.length; i++) {
        double rate = Math.max(0, counters[i] - old[i]) / seconds;
        rates.put(names[i], round(rate));
        totals[i] += name.equals("lo") ? 0 : rate;
      }
      interfaces.put(name, rates);
    });
    JsonObject result = new JsonObject();
    for (int i = 0; i < names.length; i++) {
      result.put(names[i], round(totals[i]));
    }
    return result.put("interfaces", interfaces);
  }

  /**
   * As {@code df} reports it: used = total - free blocks; percent = used / (used + available to unprivileged users),
   * rounded up, so blocks reserved for root count as unavailable (a disk "100 %" full for PostgreSQL says 100).
   */
  private static JsonObject diskUsage(List<String> paths) {
    JsonObject usage = new JsonObject();
    for (String path : paths) {
      File file = new File(path);
      long total = file.getTotalSpace();
      if (total <= 0) {
        continue; // missing or unreadable path
      }
      long used = total - file.getFreeSpace();
      long available = file.getUsableSpace();
      usage.put(path, new JsonObject().put("total", total).put("used", used).put("free", available)
          .put("reserved", Math.max(0, file.getFreeSpace() - available))
          .put("percent", dfPercent(used, available)));
    }
    return usage;
  }

  static double dfPercent(long used, long available) {
    long base = used + available;
    return base <= 0 ? 0.0 : Math.ceil(100.0 * used / base);
  }

  private static double pct(double part, double whole) {
    return whole <= 0 ? 0.0 : round(100.0 * part / whole);
  }

  private static double round(double value) {
    return Math.round(value * 100.0) / 100.0;
  }
}
