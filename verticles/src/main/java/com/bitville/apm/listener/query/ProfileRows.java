package com.bitville.apm.listener.query;

import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.model.SqlCall;
import com.bitville.apm.shared.php.PhpProfile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Function and SQL rows of PHP payloads: one request's for its detail, and the sums over a sample of requests
 * for the "typical request" of a comparison. CPU work (inflate, parse, normalize): call it off the event loop.
 */
final class ProfileRows {

  private ProfileRows() {
  }

  /** [{name, calls, wall_us}], slowest first. */
  static JsonArray functions(PhpProfile profile) {
    JsonArray rows = new JsonArray();
    profile.functions().stream()
        .sorted((a, b) -> Long.compare(b.wallUs(), a.wallUs()))
        .forEach(call -> rows.add(call.toJson()));
    return rows;
  }

  /** [{seq, fingerprint, normalized, time_ms}] in the order the request ran them. */
  static JsonArray statements(PhpProfile profile) {
    JsonArray rows = new JsonArray();
    profile.queries().forEach(call -> rows.add(call.toJson()));
    return rows;
  }

  /**
   * Sums over the sample: functions [{name, requests, calls, wall_us}] and SQL [{fingerprint, normalized,
   * requests, executions, time_ms}], and how many of the sampled requests carried XHProf data and SQL data
   * ({@code xhprof_sample_size}, {@code sql_sample_size}): a request without them says nothing about a typical
   * request's functions or SQL, so it must not count as one with none. A payload that cannot be decoded counts
   * as a request without either.
   */
  static JsonObject typical(List<byte[]> storedPayloads) {
    Map<String, long[]> functions = new LinkedHashMap<>();
    Map<String, double[]> statements = new LinkedHashMap<>();
    Map<String, String> texts = new LinkedHashMap<>();
    int withXhprof = 0;
    int withSql = 0;
    for (byte[] stored : storedPayloads) {
      JsonObject payload = decode(stored);
      withXhprof += payload.getValue("xhprof") instanceof JsonObject ? 1 : 0;
      withSql += payload.getValue("sql") instanceof JsonObject ? 1 : 0;
      PhpProfile profile = PhpProfile.of(payload);
      for (FunctionCall call : profile.functions()) {
        long[] sums = functions.computeIfAbsent(call.name(), k -> new long[3]);
        sums[0]++;
        sums[1] += call.calls();
        sums[2] += call.wallUs();
      }
      Set<String> seen = new HashSet<>();
      for (SqlCall call : profile.queries()) {
        double[] sums = statements.computeIfAbsent(call.fingerprint(), k -> new double[3]);
        sums[0] += seen.add(call.fingerprint()) ? 1 : 0;
        sums[1]++;
        sums[2] += call.timeMs();
        texts.putIfAbsent(call.fingerprint(), call.normalized());
      }
    }
    JsonArray functionRows = new JsonArray();
    functions.forEach((name, s) -> functionRows.add(new JsonObject().put("name", name).put("requests", s[0])
        .put("calls", s[1]).put("wall_us", s[2])));
    JsonArray sqlRows = new JsonArray();
    statements.forEach((fingerprint, s) -> sqlRows.add(new JsonObject().put("fingerprint", fingerprint)
        .put("normalized", texts.get(fingerprint)).put("requests", (long) s[0]).put("executions", (long) s[1])
        .put("time_ms", s[2])));
    return new JsonObject().put("functions", functionRows).put("sql", sqlRows)
        .put("xhprof_sample_size", withXhprof).put("sql_sample_size", withSql);
  }

  private static JsonObject decode(byte[] stored) {
    try {
      return new JsonObject(PayloadCodec.decompress(stored));
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }
}
