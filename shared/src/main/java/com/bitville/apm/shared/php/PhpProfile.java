package com.bitville.apm.shared.php;

import static com.bitville.apm.shared.normalize.JsonFields.array;
import static com.bitville.apm.shared.normalize.JsonFields.cap;
import static com.bitville.apm.shared.normalize.JsonFields.lenientNumber;
import static com.bitville.apm.shared.normalize.JsonFields.lenientString;
import static com.bitville.apm.shared.normalize.JsonFields.optionalObject;

import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.SqlCall;
import com.bitville.apm.shared.normalize.InvalidPayloadException;
import com.bitville.apm.shared.normalize.SqlNormalizer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The functions and SQL statements of one PHP payload, derived from the stored payload when a request is read
 * rather than stored as rows: a request carries dozens of them, and writing them as rows cost the single
 * storage writer more than everything else of the record (docs/BENCHMARKS.md). At ingest only their shape is
 * checked, by {@link #checkShape}.
 */
public record PhpProfile(List<FunctionCall> functions, List<SqlCall> queries) {

  static final int MAX_FUNCTIONS = 1000;
  static final int MAX_QUERIES = 2000;

  /** Statement count and summed time of {@code sql.queries}, without normalizing any statement. */
  record StatementTotals(int count, double timeMs) {
  }

  /** Profile of a payload that passed ingest; a payload of another shape yields an empty profile. */
  public static PhpProfile of(JsonObject payload) {
    try {
      return new PhpProfile(functions(payload, "$"), queries(payload, "$"));
    } catch (InvalidPayloadException e) {
      return new PhpProfile(List.of(), List.of());
    }
  }

  /** @throws InvalidPayloadException naming the path when {@code sql} or {@code xhprof} has the wrong shape */
  static StatementTotals checkShape(JsonObject payload, String path) {
    JsonObject xhprof = optionalObject(payload, "xhprof", path + ".xhprof");
    if (xhprof != null && xhprof.getValue("profiling") instanceof JsonObject profiling) {
      array(profiling, "top_functions", path + ".xhprof.profiling.top_functions");
    }
    JsonArray items = statements(payload, path);
    int count = 0;
    double time = 0;
    for (int i = 0; i < items.size() && i < MAX_QUERIES; i++) {
      if (items.getValue(i) instanceof JsonObject query) {
        count++;
        Double ms = timeOf(query);
        time += ms == null ? 0 : ms;
      }
    }
    return new StatementTotals(count, time);
  }

  private static JsonArray statements(JsonObject payload, String path) {
    JsonObject sql = optionalObject(payload, "sql", path + ".sql");
    return sql == null ? new JsonArray() : array(sql, "queries", path + ".sql.queries");
  }

  private static List<SqlCall> queries(JsonObject payload, String path) {
    JsonArray items = statements(payload, path);
    List<SqlCall> calls = new ArrayList<>(Math.min(items.size(), MAX_QUERIES));
    for (int i = 0; i < items.size() && i < MAX_QUERIES; i++) {
      if (items.getValue(i) instanceof JsonObject query) {
        calls.add(sqlCall(i, query));
      }
    }
    return calls;
  }

  private static SqlCall sqlCall(int seq, JsonObject query) {
    String text = query.containsKey("sql") ? lenientString(query, "sql") : lenientString(query, "query");
    Double time = timeOf(query);
    SqlNormalizer.Normalized normalized = SqlNormalizer.cached(text);
    return new SqlCall(seq, normalized.fingerprint(), normalized.text(), time == null ? 0.0 : time);
  }

  private static Double timeOf(JsonObject query) {
    Double time = lenientNumber(query, "time_ms");
    return time != null ? time : lenientNumber(query, "duration_ms");
  }

  private static List<FunctionCall> functions(JsonObject payload, String path) {
    JsonObject xhprof = optionalObject(payload, "xhprof", path + ".xhprof");
    if (xhprof == null) {
      return List.of();
    }
    if (xhprof.getValue("profiling") instanceof JsonObject profiling) {
      return topFunctions(array(profiling, "top_functions", path + ".xhprof.profiling.top_functions"));
    }
    return rawEdges(xhprof);
  }

  private static List<FunctionCall> topFunctions(JsonArray items) {
    List<FunctionCall> calls = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size() && calls.size() < MAX_FUNCTIONS; i++) {
      if (items.getValue(i) instanceof JsonObject item && item.getValue("name") instanceof String name
          && seen.add(name)) {
        Double us = lenientNumber(item, "wall_time_us");
        if (us == null && lenientNumber(item, "wall_time_ms") != null) {
          us = lenientNumber(item, "wall_time_ms") * 1000.0;
        }
        Double ct = lenientNumber(item, "calls");
        calls.add(new FunctionCall(cap(name, 1024), ct == null ? 0 : ct.longValue(), us == null ? 0 : us.longValue()));
      }
    }
    return calls;
  }

  /** The older raw XHProf map: {"a==>b": {ct, wt, ...}}. */
  private static List<FunctionCall> rawEdges(JsonObject xhprof) {
    List<FunctionCall> calls = new ArrayList<>();
    for (Map.Entry<String, Object> entry : xhprof) {
      if (calls.size() >= MAX_FUNCTIONS) {
        break;
      }
      if (entry.getValue() instanceof JsonObject edge && (edge.containsKey("ct") || edge.containsKey("wt"))) {
        Double ct = lenientNumber(edge, "ct");
        Double wt = lenientNumber(edge, "wt");
        calls.add(new FunctionCall(cap(entry.getKey(), 1024), ct == null ? 0 : ct.longValue(),
            wt == null ? 0 : wt.longValue()));
      }
    }
    return calls;
  }
}
