package com.bitville.apm.shared.php;

import com.bitville.apm.shared.model.FunctionCall;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A stored PHP payload as the read side sees it: every path of the agent's layout that the request detail, the
 * timeline and the GELF mapper use is read here and nowhere else. One view per payload: the profile (functions and
 * SQL) is derived once, when first asked for. Not thread-safe; CPU work (a payload is up to a few MiB): off the
 * event loop.
 */
public final class PhpPayloadView {

  /** What the agent's own fatal error handler recorded; any part may be null. */
  public record FatalError(String message, String file, Object line) {
    public JsonObject toJson() {
      return new JsonObject().put("message", message).put("file", file).put("line", line);
    }
  }

  /** How many entries the agent sent, of how many it had ({@code null} when it did not say). */
  public record Truncation(boolean truncated, Integer sent, Integer total, Integer missing) {
    public JsonObject toJson() {
      return new JsonObject().put("truncated", truncated).put("sent", sent).put("total", total)
          .put("missing", missing);
    }
  }

  /** One statement of {@code sql.queries} as the agent sent it; text null when it sent none. */
  public record SentStatement(String text, JsonArray stack, JsonObject connection) {
  }

  private static final SentStatement NO_STATEMENT = new SentStatement(null, new JsonArray(), null);

  private final JsonObject payload;
  private PhpProfile profile;

  private PhpPayloadView(JsonObject payload) {
    this.payload = payload;
  }

  public static PhpPayloadView of(JsonObject payload) {
    return new PhpPayloadView(payload == null ? new JsonObject() : payload);
  }

  public JsonObject payload() {
    return payload;
  }

  /** The request's functions and SQL statements, derived on first use and kept. */
  public PhpProfile profile() {
    if (profile == null) {
      profile = PhpProfile.of(payload);
    }
    return profile;
  }

  /** True when the agent sent XHProf data: a request without it has unknown functions, not none. */
  public boolean hasXhprof() {
    return payload.getValue("xhprof") instanceof JsonObject;
  }

  /** True when the agent sent SQL data: a request without it has unknown statements, not none. */
  public boolean hasSql() {
    return payload.getValue("sql") instanceof JsonObject;
  }

  /** The agent's own ranking, {@code xhprof.hotspots} ([{name, wall_time_ms, pct}]), as sent. */
  public JsonArray hotspots() {
    return xhprof().getValue("hotspots") instanceof JsonArray h ? h : new JsonArray();
  }

  /**
   * What the agent left out of the functions: it sends its top functions of the XHProf entries
   * ({@code xhprof.raw_count}) and cuts further to fit its socket ({@code _meta.truncated}).
   */
  public Truncation functionTruncation() {
    JsonObject profiling = xhprof().getValue("profiling") instanceof JsonObject p ? p : new JsonObject();
    Integer sent = profiling.getValue("top_functions") instanceof JsonArray a ? Integer.valueOf(a.size()) : null;
    Integer total = xhprof().getValue("raw_count") instanceof Number n ? Integer.valueOf(n.intValue()) : null;
    Integer missing = sent == null || total == null ? null : Math.max(0, total - sent);
    return new Truncation(Boolean.TRUE.equals(meta().getValue("truncated")), sent, total, missing);
  }

  /**
   * What the agent left out of the SQL: it keeps the first 100 statements to fit its datagram limit and says so
   * ({@code sql.summary.queries_truncated}, {@code _meta.sql_truncated}); {@code total_queries} still counts
   * every statement. {@code missing} is null when the agent gave no total.
   */
  public Truncation sqlTruncation() {
    int sent = profile().queries().size();
    JsonObject summary = sql().getValue("summary") instanceof JsonObject s ? s : new JsonObject();
    Integer total = summary.getValue("total_queries") instanceof Number n ? Integer.valueOf(n.intValue()) : null;
    boolean flagged = Boolean.TRUE.equals(summary.getValue("queries_truncated"))
        || Boolean.TRUE.equals(meta().getValue("sql_truncated"));
    Integer missing = total == null ? null : Math.max(0, total - sent);
    return new Truncation(flagged || missing != null && missing > 0, sent, total, missing);
  }

  /** Statement {@code seq} of {@code sql.queries} (its text, stack and connection as sent). */
  public SentStatement statement(int seq) {
    JsonArray sent = sql().getValue("queries") instanceof JsonArray q ? q : new JsonArray();
    if (seq < 0 || seq >= sent.size() || !(sent.getValue(seq) instanceof JsonObject original)) {
      return NO_STATEMENT;
    }
    Object text = original.containsKey("sql") ? original.getValue("sql") : original.getValue("query");
    Object stack = original.containsKey("stack") ? original.getValue("stack") : original.getValue("stack_trace");
    return new SentStatement(text instanceof String s ? s : null, stack instanceof JsonArray a ? a : new JsonArray(),
        original.getValue("connection") instanceof JsonObject c ? c : null);
  }

  /** When the request started on the web server's clock, in seconds ({@code timing.start_time}); null if unknown. */
  public Double startSeconds() {
    JsonObject timing = payload.getValue("timing") instanceof JsonObject t ? t : new JsonObject();
    Double start = positive(timing.getValue("start_time"));
    return start != null ? start : positive(timing.getValue("request_time_float"));
  }

  /** The agent's fatal error ({@code fatal_error}); null when the request ended normally. */
  public FatalError fatalError() {
    if (!(payload.getValue("fatal_error") instanceof JsonObject fatal) || fatal.isEmpty()) {
      return null;
    }
    return new FatalError(text(fatal.getValue("message")), text(fatal.getValue("file")), fatal.getValue("line"));
  }

  /** The PHP version ({@code server.php_version}, else {@code _meta.php_version}); null when not sent. */
  public String phpVersion() {
    for (String parent : new String[] {"server", "_meta"}) {
      if (payload.getValue(parent) instanceof JsonObject object && object.getValue("php_version") instanceof String v
          && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  /** The server API PHP ran under ({@code server.sapi}, e.g. fpm-fcgi); null when not sent. */
  public String sapi() {
    return server().getValue("sapi") instanceof String s && !s.isBlank() ? s : null;
  }

  /** The web server's host name ({@code server.hostname}); null when not sent. */
  public String hostname() {
    return server().getValue("hostname") instanceof String s && !s.isBlank() ? s : null;
  }

  /** The request headers as sent ({@code request.headers}); null when none. */
  public JsonObject headers() {
    return objectOrNull(request().getValue("headers"));
  }

  /** The query parameters as sent ({@code request.get}); null when none. */
  public JsonObject getParameters() {
    return objectOrNull(request().getValue("get"));
  }

  /** The form parameters as sent ({@code request.post}); null when none. */
  public JsonObject postParameters() {
    return objectOrNull(request().getValue("post"));
  }

  /** The application's own fields ({@code custom}); null when none. */
  public JsonObject custom() {
    return objectOrNull(payload.getValue("custom"));
  }

  /** The XHProf edges for a flame graph: [{caller (null for a root), callee, wall_ms, calls}]. */
  public JsonArray flameEdges() {
    JsonArray edges = new JsonArray();
    for (FunctionCall call : profile().functions()) {
      int arrow = call.name().indexOf("==>");
      edges.add(new JsonObject().put("caller", arrow < 0 ? null : call.name().substring(0, arrow))
          .put("callee", arrow < 0 ? call.name() : call.name().substring(arrow + 3))
          .put("wall_ms", call.wallUs() / 1000.0).put("calls", call.calls()));
    }
    return edges;
  }

  private JsonObject xhprof() {
    return payload.getValue("xhprof") instanceof JsonObject x ? x : new JsonObject();
  }

  private JsonObject sql() {
    return payload.getValue("sql") instanceof JsonObject s ? s : new JsonObject();
  }

  private JsonObject meta() {
    return payload.getValue("_meta") instanceof JsonObject m ? m : new JsonObject();
  }

  private JsonObject server() {
    return payload.getValue("server") instanceof JsonObject s ? s : new JsonObject();
  }

  private JsonObject request() {
    return payload.getValue("request") instanceof JsonObject r ? r : new JsonObject();
  }

  private static JsonObject objectOrNull(Object value) {
    return value instanceof JsonObject o ? o : null;
  }

  private static String text(Object value) {
    return value == null || value instanceof JsonObject || value instanceof JsonArray ? null : String.valueOf(value);
  }

  private static Double positive(Object value) {
    return value instanceof Number n && n.doubleValue() > 0 ? n.doubleValue() : null;
  }
}
