package com.bitville.apm.listener.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time of a server process from Linux's /proc: utime + stime of the whole process
 * ({@code /proc/PID/stat}) and of each of its threads ({@code /proc/PID/task/TID/stat}), in clock ticks.
 * A snapshot is taken before and after a measured run; the difference divided by the requests served is
 * the server's CPU per request, which the load generator sharing the cores does not distort.
 */
final class ProcessCpu {

  /** USER_HZ: the unit of utime and stime, 100 on every Linux this runs on ({@code getconf CLK_TCK}). */
  static final double TICKS_PER_SECOND = clockTicks();

  /** CPU ticks of the process and of each thread (by thread id) at one moment. */
  record Snapshot(long processTicks, Map<Integer, Long> threadTicks, Map<Integer, String> threadComm) {
  }

  /** The difference between two snapshots, with each thread's Java name where known. */
  record Usage(double processSeconds, Map<String, Double> secondsByGroup, List<Map.Entry<String, Double>> topThreads) {

    double microsPer(long requests) {
      return requests == 0 ? 0 : processSeconds * 1e6 / requests;
    }
  }

  private ProcessCpu() {
  }

  static Snapshot snapshot(long pid) throws IOException {
    long process = ticksOf(Path.of("/proc", String.valueOf(pid), "stat"));
    Map<Integer, Long> threads = new HashMap<>();
    Map<Integer, String> comms = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (Path task : tasks) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          int tid = Integer.parseInt(task.getFileName().toString());
          threads.put(tid, ticksOfStat(stat));
          comms.put(tid, stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
        } catch (IOException | RuntimeException gone) {
          // the thread ended between listing and reading
        }
      }
    }
    return new Snapshot(process, threads, comms);
  }

  /**
   * What the process used between two snapshots; threads are named with their full Java names from
   * {@code jcmd PID Thread.print} (the kernel keeps only 15 characters), grouped by role.
   */
  static Usage between(long pid, Snapshot before, Snapshot after) {
    Map<Integer, String> javaNames = javaThreadNames(pid);
    Map<String, Double> byGroup = new LinkedHashMap<>();
    for (String group : List.of("event loops", "storage writer", "other workers", "JIT compiler", "GC", "other")) {
      byGroup.put(group, 0.0);
    }
    Map<String, Double> byThread = new HashMap<>();
    for (var entry : after.threadTicks().entrySet()) {
      long ticks = entry.getValue() - before.threadTicks().getOrDefault(entry.getKey(), 0L);
      if (ticks <= 0) {
        continue;
      }
      String name = javaNames.getOrDefault(entry.getKey(), after.threadComm().get(entry.getKey()));
      double seconds = ticks / TICKS_PER_SECOND;
      byGroup.merge(groupOf(name), seconds, Double::sum);
      byThread.merge(name, seconds, Double::sum);
    }
    double processSeconds = (after.processTicks() - before.processTicks()) / TICKS_PER_SECOND;
    double threadSeconds = byGroup.values().stream().mapToDouble(Double::doubleValue).sum();
    // a thread that ended during the run is gone from /proc/PID/task, but its time is in the process's
    byGroup.put("threads that ended", Math.max(0, processSeconds - threadSeconds));
    List<Map.Entry<String, Double>> top = new ArrayList<>(byThread.entrySet());
    top.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    return new Usage(processSeconds, byGroup, top.subList(0, Math.min(8, top.size())));
  }

  static String groupOf(String name) {
    if (name.startsWith("vert.x-eventloop")) {
      return "event loops";
    }
    if (name.startsWith("bitville-sqlite-group-commit")) {
      return "storage writer";
    }
    if (name.startsWith("vert.x-") || name.startsWith("bitville-")) {
      return "other workers";
    }
    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre") || name.startsWith("Sweeper")) {
      return "JIT compiler";
    }
    if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
      return "GC";
    }
    return "other";
  }

  /** One line per group and the busiest threads, as percent of one core over the run and us per request. */
  static String describe(Usage usage, double wallSeconds, long requests) {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "  by thread group (us/request, %% of one core):"));
    usage.secondsByGroup().forEach((group, seconds) -> text.append(String.format(Locale.ROOT, " %s %.0f (%.0f%%);",
        group, seconds * 1e6 / Math.max(1, requests), 100 * seconds / wallSeconds)));
    text.append(System.lineSeparator()).append("  busiest threads:");
    for (var thread : usage.topThreads()) {
      text.append(String.format(Locale.ROOT, " %s %.0f us (%.0f%%);", thread.getKey(),
          thread.getValue() * 1e6 / Math.max(1, requests), 100 * thread.getValue() / wallSeconds));
    }
    return text.toString();
  }

  private static long ticksOf(Path stat) throws IOException {
    return ticksOfStat(Files.readString(stat));
  }

  /** utime (field 14) + stime (field 15); the fields are counted after the parenthesized command name. */
  private static long ticksOfStat(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static final Pattern THREAD_LINE = Pattern.compile("^\"(.+?)\".* nid=0x([0-9a-f]+)", Pattern.MULTILINE);

  private static Map<Integer, String> javaThreadNames(long pid) {
    Map<Integer, String> names = new HashMap<>();
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          String.valueOf(pid), "Thread.print").redirectErrorStream(true).start();
      String output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      jcmd.waitFor();
      Matcher line = THREAD_LINE.matcher(output);
      while (line.find()) {
        names.put(Integer.parseInt(line.group(2), 16), line.group(1));
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      // names stay the kernel's 15-character ones
    }
    return names;
  }

  private static double clockTicks() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
      String value = new String(getconf.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
      getconf.waitFor();
      return Double.parseDouble(value.trim());
    } catch (IOException | InterruptedException | RuntimeException e) {
      return 100;
    }
  }
}
