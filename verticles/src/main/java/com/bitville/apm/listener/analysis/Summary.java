package com.bitville.apm.listener.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The plain-language summary of an analysis, generated from its rankings: the overall change, the route that
 * added most, then each ranking whose top item explains a real share of the added time (a SQL statement or a
 * function's self time over 10 %, a lock wait of 10 s or more, a host holding over half of it, a database
 * statement that at least doubled and added 5 % of it, a log category that at least doubled). Request counts are
 * always called slow requests: the agent sends only requests over its threshold. Every sentence carries the evidence it rests on, as
 * references into the analysis ({@code {"type": "sql", "fingerprint": ...}} and so on).
 */
final class Summary {

  static final double SIGNIFICANT_SHARE = 0.10;
  static final double HOST_SHARE = 0.5;
  static final int MAX_TEXT = 120;
  static final double N_PLUS_ONE_RUNS = 10;
  static final double STATEMENT_SHARE = 0.05;
  static final double MIN_STATEMENT_ADDED_MS = 5_000;

  private record Sentence(double weight, JsonObject json) {
  }

  private Summary() {
  }

  static JsonArray of(JsonObject analysis, long windowMs) {
    JsonObject totals = analysis.getJsonObject("totals");
    double added = totals.getDouble("added_ms");
    double minutes = Math.max(1, windowMs / 60_000.0);
    JsonArray summary = new JsonArray();
    summary.add(sentence(String.format(Locale.ROOT, "Slow requests (only those over the agent's %.0f ms threshold "
            + "are sent) took %s per minute, %s per minute compared with the baseline (%d requests vs %.0f).",
        analysis.getDouble("php_threshold_ms"), seconds(totals.getDouble("total_ms") / minutes),
        signedSeconds(added / minutes), totals.getLong("count"), totals.getDouble("baseline_count")),
        new JsonObject().put("type", "window")));
    if (added <= 0 && first(analysis, "locks") == null) {
      return summary;
    }
    route(analysis, minutes, summary);
    List<Sentence> causes = new ArrayList<>();
    sql(analysis, added, causes);
    function(analysis, added, causes);
    lock(analysis, added, causes);
    host(analysis, added, causes);
    statement(analysis, added, causes);
    log(analysis, causes);
    causes.sort(Comparator.comparingDouble(Sentence::weight).reversed());
    causes.forEach(s -> summary.add(s.json()));
    return summary;
  }

  private static void route(JsonObject analysis, double minutes, JsonArray summary) {
    JsonObject route = first(analysis, "routes");
    if (route == null || route.getDouble("added_ms") <= 0) {
      return;
    }
    String text = String.format(Locale.ROOT, "%s added %s in this window, %s per minute (%d slow requests vs %.0f",
        route.getString("route"), seconds(route.getDouble("added_ms")), seconds(route.getDouble("added_ms") / minutes),
        route.getLong("count"), route.getDouble("baseline_count"));
    Double change = route.getDouble("change");
    if (change == null || change >= 3) {
      text += change == null ? "; none in the baseline"
          : String.format(Locale.ROOT, "; %.1fx its usual number of slow requests", change);
    }
    summary.add(sentence(text + ").", new JsonObject().put("type", "route").put("route", route.getString("route"))));
  }

  private static void sql(JsonObject analysis, double added, List<Sentence> causes) {
    JsonObject sql = first(analysis, "sql");
    if (sql != null && added > 0 && sql.getDouble("added_ms") >= SIGNIFICANT_SHARE * added) {
      causes.add(new Sentence(sql.getDouble("added_ms"), sentence(String.format(Locale.ROOT,
          "%s of the added time is in one SQL statement `%s` (%s more; %d runs in %d requests%s).",
          percent(sql.getDouble("added_ms") / added), cut(sql.getString("normalized")),
          seconds(sql.getDouble("added_ms")), sql.getLong("count"), sql.getLong("requests"), perRequest(sql)),
          new JsonObject().put("type", "sql").put("fingerprint", sql.getString("fingerprint")))));
    }
  }

  /** Many runs of one statement per request is the N+1 pattern: say so. */
  private static String perRequest(JsonObject sql) {
    double each = sql.getLong("requests") == 0 ? 0 : (double) sql.getLong("count") / sql.getLong("requests");
    return each >= N_PLUS_ONE_RUNS ? String.format(Locale.ROOT, ", about %.0f per request: an N+1 pattern?", each) : "";
  }

  private static void function(JsonObject analysis, double added, List<Sentence> causes) {
    JsonObject function = first(analysis, "functions");
    if (function != null && added > 0 && function.getDouble("added_ms") >= SIGNIFICANT_SHARE * added) {
      causes.add(new Sentence(function.getDouble("added_ms"), sentence(String.format(Locale.ROOT,
          "%s of the added time is self time of %s (%s more; %d calls in %d requests).",
          percent(function.getDouble("added_ms") / added), function.getString("name"),
          seconds(function.getDouble("added_ms")), function.getLong("calls"), function.getLong("requests")),
          new JsonObject().put("type", "function").put("name", function.getString("name")))));
    }
  }

  /**
   * Sessions queued on one lock make the SQL and function time that the other sentences report, so a lock wait
   * that is a real share of the added time comes first: it names the request that held the lock.
   */
  private static void lock(JsonObject analysis, double added, List<Sentence> causes) {
    JsonObject lock = first(analysis, "locks");
    if (lock == null || lock.getDouble("wait_ms") - lock.getDouble("baseline_wait_ms") < 10_000) {
      return;
    }
    String holder = lock.getString("blocking_correlation_id") == null ? "a session without a request id"
        : "request " + lock.getString("blocking_correlation_id");
    JsonObject evidence = new JsonObject().put("type", "lock").put("blocking_query", lock.getString("blocking_query"));
    if (lock.getString("blocking_correlation_id") != null) {
      evidence.put("blocking_correlation_id", lock.getString("blocking_correlation_id"));
    }
    double wait = lock.getDouble("wait_ms");
    double weight = added > 0 && wait >= SIGNIFICANT_SHARE * added ? Double.MAX_VALUE : wait;
    causes.add(new Sentence(weight, sentence(String.format(Locale.ROOT,
        "Sessions waited about %s on a lock held by %s running `%s` (up to %d waiting at once).",
        seconds(lock.getDouble("wait_ms")), holder, cut(lock.getString("blocking_query")), lock.getLong("waiters")),
        evidence)));
  }

  private static void host(JsonObject analysis, double added, List<Sentence> causes) {
    JsonObject host = first(analysis, "hosts");
    if (host != null && added > 0 && analysis.getJsonArray("hosts").size() > 1
        && host.getDouble("added_ms") >= HOST_SHARE * added) {
      causes.add(new Sentence(host.getDouble("added_ms"), sentence(String.format(Locale.ROOT,
          "Web host %s accounts for %s of the added time (%s more; %d slow requests vs %.0f).",
          host.getString("host"), percent(host.getDouble("added_ms") / added), seconds(host.getDouble("added_ms")),
          host.getLong("count"), host.getDouble("baseline_count")),
          new JsonObject().put("type", "host").put("host", host.getString("host")))));
    }
  }

  private static void statement(JsonObject analysis, double added, List<Sentence> causes) {
    JsonObject statement = first(analysis, "db_statements");
    if (statement != null
        && statement.getDouble("added_ms") >= Math.max(MIN_STATEMENT_ADDED_MS, STATEMENT_SHARE * added)
        && statement.getDouble("total_ms") >= 2 * statement.getDouble("baseline_total_ms")) {
      causes.add(new Sentence(statement.getDouble("added_ms") * 0.5, sentence(String.format(Locale.ROOT,
          "On the database, `%s` took %s (%s more than before; %d calls).", cut(statement.getString("query")),
          seconds(statement.getDouble("total_ms")), seconds(statement.getDouble("added_ms")),
          statement.getLong("calls")),
          new JsonObject().put("type", "db_statement").put("queryid", statement.getString("queryid")))));
    }
  }

  private static void log(JsonObject analysis, List<Sentence> causes) {
    JsonObject log = first(analysis, "logs");
    if (log != null && log.getDouble("added") >= 5 && log.getLong("count") >= 2 * log.getDouble("baseline_count")) {
      causes.add(new Sentence(0, sentence(String.format(Locale.ROOT,
          "The database logged %d %s events (%.0f in the baseline).", log.getLong("count"),
          log.getString("category").replace('_', ' '), log.getDouble("baseline_count")),
          new JsonObject().put("type", "log").put("category", log.getString("category")))));
    }
  }

  private static JsonObject first(JsonObject analysis, String list) {
    JsonArray items = analysis.getJsonArray(list);
    return items == null || items.isEmpty() ? null : items.getJsonObject(0);
  }

  private static JsonObject sentence(String text, JsonObject evidence) {
    return new JsonObject().put("text", text).put("evidence", new JsonArray().add(evidence));
  }

  private static String cut(String text) {
    if (text == null) {
      return "(text not known)";
    }
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 1) + "…";
  }

  static String seconds(double ms) {
    return String.format(Locale.ROOT, Math.abs(ms) >= 10_000 ? "%.0f s" : "%.1f s", ms / 1000);
  }

  private static String signedSeconds(double ms) {
    return (ms >= 0 ? "+" : "-") + seconds(Math.abs(ms));
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.0f %%", Math.min(100, share * 100));
  }
}
