package com.bitville.apm.pgagent.collect;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns blocked/blocking pairs into chains: for every waiting pid, the root session that holds everyone up (the one
 * not waiting itself) and how deep in the chain it sits. Cycles (deadlocks about to be detected) are cut.
 */
final class BlockingChains {

  private static final int MAX_DEPTH = 64;

  private final Map<Integer, List<Integer>> blockersOf = new LinkedHashMap<>();
  private final Map<Integer, Integer> depths = new HashMap<>();

  static BlockingChains of(JsonArray locks) {
    BlockingChains chains = new BlockingChains();
    for (Object item : locks) {
      JsonObject lock = (JsonObject) item;
      chains.blockersOf.computeIfAbsent(lock.getInteger("blocked_pid"), k -> new ArrayList<>())
          .add(lock.getInteger("blocking_pid"));
    }
    return chains;
  }

  /**
   * Every wait gets its chain's root blocker, and that root's PHP request, so the request that holds everyone up
   * is linked to every wait behind it, not only to the waits it causes directly.
   */
  void annotate(JsonArray locks) {
    Map<Integer, String> requestOf = new HashMap<>();
    for (Object item : locks) {
      JsonObject lock = (JsonObject) item;
      if (lock.getString("blocking_correlation_id") != null) {
        requestOf.putIfAbsent(lock.getInteger("blocking_pid"), lock.getString("blocking_correlation_id"));
      }
    }
    for (Object item : locks) {
      JsonObject lock = (JsonObject) item;
      int pid = lock.getInteger("blocked_pid");
      int root = root(pid);
      lock.put("root_blocking_pid", root).put("chain_depth", depth(pid))
          .put("root_blocking_correlation_id", requestOf.get(root));
      if (requestOf.get(root) != null) {
        rootRequests.put(root, requestOf.get(root));
      }
    }
  }

  /** {@code [{root_pid, waiting_pids:[...]}, ...]}, one per root blocker. */
  JsonArray toJson() {
    Map<Integer, TreeSet<Integer>> byRoot = new LinkedHashMap<>();
    for (Integer waiting : blockersOf.keySet()) {
      byRoot.computeIfAbsent(root(waiting), k -> new TreeSet<>()).add(waiting);
    }
    JsonArray chains = new JsonArray();
    byRoot.forEach((root, waiting) -> chains.add(new JsonObject()
        .put("root_pid", root)
        .put("root_correlation_id", rootRequest(root))
        .put("waiting_pids", new JsonArray(new ArrayList<>(waiting)))
        .put("max_depth", waiting.stream().mapToInt(this::depth).max().orElse(1))));
    return chains;
  }

  private final Map<Integer, String> rootRequests = new HashMap<>();

  private String rootRequest(int root) {
    return rootRequests.get(root);
  }

  /** Follows the first blocker of each waiter until a pid that does not wait. */
  int root(int pid) {
    int current = pid;
    for (int step = 0; step < MAX_DEPTH && blockersOf.containsKey(current); step++) {
      int next = blockersOf.get(current).get(0);
      if (next == pid) {
        break;
      }
      current = next;
    }
    return current;
  }

  /** Longest path of waits from this pid to a non-waiting session, 1 for a direct wait. */
  int depth(int pid) {
    return depths.computeIfAbsent(pid, p -> depth(p, new HashSet<>()));
  }

  private int depth(int pid, Set<Integer> path) {
    List<Integer> blockers = blockersOf.get(pid);
    if (blockers == null || path.size() >= MAX_DEPTH || !path.add(pid)) {
      return 0;
    }
    int deepest = 0;
    for (int blocker : blockers) {
      deepest = Math.max(deepest, depth(blocker, path));
    }
    path.remove(pid);
    return deepest + 1;
  }
}
