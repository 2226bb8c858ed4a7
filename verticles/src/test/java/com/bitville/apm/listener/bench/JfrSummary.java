package com.bitville.apm.listener.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Top frames of a JFR recording: CPU samples ({@code jdk.ExecutionSample}) by the method on top of the stack
 * (self) and by every method on the stack (total), and sampled allocation ({@code jdk.ObjectAllocationSample},
 * weighted by bytes) by the allocating frame and by the first frame outside the JDK and the libraries.
 * Usage: JfrSummary FILE.jfr [TOP=25] [THREAD_PREFIX]
 */
public final class JfrSummary {

  private JfrSummary() {
  }

  public static void main(String[] args) throws Exception {
    int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    String threadPrefix = args.length > 2 ? args[2] : "";
    System.out.print(summarize(Path.of(args[0]), top, threadPrefix));
  }

  static String summarize(Path file, int top, String threadPrefix) throws Exception {
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> total = new HashMap<>();
    Map<String, Long> threads = new HashMap<>();
    Map<String, Long> ownTotal = new HashMap<>();
    Map<String, Long> ownSelf = new HashMap<>();
    Map<String, Long> allocatedBy = new HashMap<>();
    Map<String, Long> allocatedFromOurs = new HashMap<>();
    Map<String, Long> allocatedClass = new HashMap<>();
    long samples = 0;
    long allocated = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
      String type = event.getEventType().getName();
      if (type.equals("jdk.ExecutionSample")) {
        String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
        if (!String.valueOf(thread).startsWith(threadPrefix) || event.getStackTrace() == null) {
          continue;
        }
        samples++;
        threads.merge(thread, 1L, Long::sum);
        List<RecordedFrame> frames = event.getStackTrace().getFrames();
        if (!frames.isEmpty()) {
          self.merge(name(frames.get(0)), 1L, Long::sum);
        }
        if (!frames.isEmpty()) {
          ownSelf.merge(firstOwnFrame(frames), 1L, Long::sum);
        }
        Set<String> seen = new HashSet<>();
        for (RecordedFrame frame : frames) {
          if (seen.add(name(frame))) {
            total.merge(name(frame), 1L, Long::sum);
            if (name(frame).startsWith("com.bitville.")) {
              ownTotal.merge(name(frame), 1L, Long::sum);
            }
          }
        }
      } else if (type.equals("jdk.ObjectAllocationSample")) {
        String thread = event.getThread("eventThread") == null ? "?" : event.getThread("eventThread").getJavaName();
        if (!String.valueOf(thread).startsWith(threadPrefix)) {
          continue;
        }
        long weight = event.getLong("weight");
        allocated += weight;
        allocatedClass.merge(event.getClass("objectClass").getName(), weight, Long::sum);
        RecordedStackTrace stack = event.getStackTrace();
        if (stack != null && !stack.getFrames().isEmpty()) {
          allocatedBy.merge(name(stack.getFrames().get(0)), weight, Long::sum);
          allocatedFromOurs.merge(firstOwnFrame(stack.getFrames()), weight, Long::sum);
        }
      }
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%s: %d CPU samples%s%n", file.getFileName(), samples,
        threadPrefix.isEmpty() ? "" : " on threads " + threadPrefix + "*"));
    append(out, "CPU samples by thread", threads, samples, top);
    append(out, "CPU samples by top frame (self)", self, samples, top);
    append(out, "CPU samples by frame anywhere on the stack (total)", total, samples, top);
    append(out, "CPU samples by first Bitville frame from the top (self of our code and what it calls)", ownSelf,
        samples, top);
    append(out, "CPU samples by Bitville frame anywhere on the stack (total)", ownTotal, samples, top);
    out.append(String.format(Locale.ROOT, "allocation samples: %.1f MB sampled weight%n", allocated / 1e6));
    append(out, "allocation by class", allocatedClass, allocated, top);
    append(out, "allocation by allocating frame", allocatedBy, allocated, top);
    append(out, "allocation by first Bitville frame", allocatedFromOurs, allocated, top);
    return out.toString();
  }

  private static void append(StringBuilder out, String title, Map<String, Long> counts, long sum, int top) {
    out.append(title).append(':').append(System.lineSeparator());
    List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
    entries.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    for (var entry : entries.subList(0, Math.min(top, entries.size()))) {
      out.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * entry.getValue() / Math.max(1, sum),
          entry.getKey()));
    }
  }

  private static String firstOwnFrame(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      if (frame.getMethod().getType().getName().startsWith("com.bitville.")) {
        return name(frame);
      }
    }
    return "(no Bitville frame) " + name(frames.get(frames.size() - 1));
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }
}
