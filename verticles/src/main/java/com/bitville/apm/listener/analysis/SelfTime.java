package com.bitville.apm.listener.analysis;

import com.bitville.apm.shared.model.FunctionCall;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-function totals of one request from its XHProf edges ({@code caller==>callee} with the callee's inclusive
 * wall time; a name without {@code ==>} is a root). A function's inclusive time and calls are the sums over the
 * edges into it; its self time is its inclusive time minus the edges out of it, never below zero. The agent sends
 * only its top edges, so children it dropped count as the parent's self time (an upper bound, the same for window
 * and baseline). Self time is what lets a wrapper such as {@code Kernel::handle} stay out of the way of the
 * function that really spent the time.
 */
public final class SelfTime {

  /** One function of one request. */
  public record Function(String name, long calls, long selfUs, long wallUs) {
  }

  private SelfTime() {
  }

  public static List<Function> of(List<FunctionCall> edges) {
    Map<String, long[]> byName = new LinkedHashMap<>();
    for (FunctionCall edge : edges) {
      int arrow = edge.name().indexOf("==>");
      String callee = arrow < 0 ? edge.name() : edge.name().substring(arrow + 3);
      long[] totals = byName.computeIfAbsent(callee, k -> new long[3]);
      totals[0] += edge.calls();
      totals[1] += edge.wallUs();
    }
    for (FunctionCall edge : edges) {
      int arrow = edge.name().indexOf("==>");
      if (arrow > 0) {
        String caller = edge.name().substring(0, arrow);
        String callee = edge.name().substring(arrow + 3);
        if (!caller.equals(callee)) {
          byName.computeIfAbsent(caller, k -> new long[3])[2] += edge.wallUs();
        }
      }
    }
    return byName.entrySet().stream()
        .map(e -> new Function(e.getKey(), e.getValue()[0], Math.max(0, e.getValue()[1] - e.getValue()[2]),
            e.getValue()[1]))
        .toList();
  }
}
