package com.bitville.apm.listener.query;

import com.bitville.apm.shared.model.FunctionCall;
import com.bitville.apm.shared.model.PayloadCodec;
import com.bitville.apm.shared.model.SqlCall;
import com.bitville.apm.shared.php.PhpPayloadView;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sums over a sample of a route's recent requests that a comparison divides into the "typical request":
 * per function (edge) the requests that ran it, its calls and wall time; per SQL fingerprint the requests, the
 * executions and the time. A request without XHProf or SQL data says nothing about a typical request's
 * functions or SQL, so it must not count as one with none: {@code xhprofSampleSize} and {@code sqlSampleSize}
 * count only the requests that carried each. A payload that cannot be decoded counts as one without either.
 */
record TypicalRequest(int sampleSize, int xhprofSampleSize, int sqlSampleSize, List<FunctionSum> functions,
    List<StatementSum> statements) {

  record FunctionSum(String name, long requests, long calls, long wallUs) {
  }

  record StatementSum(String fingerprint, String normalized, long requests, long executions, double timeMs) {
  }

  /** CPU work (inflate, parse, normalize each payload): call it off the event loop. */
  static TypicalRequest of(List<byte[]> storedPayloads) {
    Map<String, long[]> functions = new LinkedHashMap<>();
    Map<String, double[]> statements = new LinkedHashMap<>();
    Map<String, String> texts = new LinkedHashMap<>();
    int withXhprof = 0;
    int withSql = 0;
    for (byte[] stored : storedPayloads) {
      PhpPayloadView view = PhpPayloadView.of(decode(stored));
      withXhprof += view.hasXhprof() ? 1 : 0;
      withSql += view.hasSql() ? 1 : 0;
      for (FunctionCall call : view.profile().functions()) {
        long[] sums = functions.computeIfAbsent(call.name(), k -> new long[3]);
        sums[0]++;
        sums[1] += call.calls();
        sums[2] += call.wallUs();
      }
      Set<String> seen = new HashSet<>();
      for (SqlCall call : view.profile().queries()) {
        double[] sums = statements.computeIfAbsent(call.fingerprint(), k -> new double[3]);
        sums[0] += seen.add(call.fingerprint()) ? 1 : 0;
        sums[1]++;
        sums[2] += call.timeMs();
        texts.putIfAbsent(call.fingerprint(), call.normalized());
      }
    }
    List<FunctionSum> functionSums = new ArrayList<>();
    functions.forEach((name, s) -> functionSums.add(new FunctionSum(name, s[0], s[1], s[2])));
    List<StatementSum> statementSums = new ArrayList<>();
    statements.forEach((fingerprint, s) -> statementSums.add(new StatementSum(fingerprint, texts.get(fingerprint),
        (long) s[0], (long) s[1], s[2])));
    return new TypicalRequest(storedPayloads.size(), withXhprof, withSql, functionSums, statementSums);
  }

  private static JsonObject decode(byte[] stored) {
    try {
      return new JsonObject(PayloadCodec.decompress(stored));
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }
}
