package com.bitville.apm.listener.tools.simulate;

import com.bitville.apm.listener.tools.simulate.Incident.Kind;
import com.bitville.apm.shared.normalize.SqlNormalizer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The timeline of a simulated run: {@code hours} of event time ending a few minutes before now, a quiet lead
 * (the detection baseline), then the chosen incidents, evenly spaced with quiet time between them. The
 * manifest (JSON) records every incident's window and true culprit, and the quiet periods, for tests to read.
 */
public record Scenario(long seed, String project, long fromMs, long toMs, double scale, List<Incident> incidents) {

  public static final long MINUTE_MS = 60_000;
  static final int INCIDENT_MINUTES = 6;
  static final int LEAD_MINUTES = 60;
  /** After an incident, time still disturbed (piled-up requests finishing) that does not count as quiet. */
  static final int SETTLE_MINUTES = 5;

  /** The blocking request of the lock incident: its correlation id is derived from the seed. */
  public static String blockerCorrelationId(long seed) {
    return new java.util.UUID(0x5eed_0000_0000_4000L | (seed & 0xffff_ffffL) << 16, 0x8000_0000_0000_0b10L)
        .toString();
  }

  /**
   * @param endMs event time the run ends at (minute-aligned), e.g. now minus two minutes
   * @param kinds incidents to inject, in this order
   */
  public static Scenario plan(long seed, String project, double hours, long endMs, double scale, List<Kind> kinds) {
    long end = endMs - endMs % MINUTE_MS;
    long totalMinutes = Math.round(hours * 60);
    long from = end - totalMinutes * MINUTE_MS;
    List<Incident> incidents = new ArrayList<>();
    if (!kinds.isEmpty()) {
      long slot = (totalMinutes - LEAD_MINUTES) / kinds.size();
      if (slot < INCIDENT_MINUTES + SETTLE_MINUTES + 15) {
        throw new IllegalArgumentException("too many incidents for " + hours + " h: give at least "
            + (LEAD_MINUTES + kinds.size() * (INCIDENT_MINUTES + SETTLE_MINUTES + 15)) / 60.0 + " h");
      }
      for (int i = 0; i < kinds.size(); i++) {
        long start = from + (LEAD_MINUTES + i * slot + slot - INCIDENT_MINUTES - SETTLE_MINUTES) * MINUTE_MS;
        incidents.add(incident(kinds.get(i), start, start + INCIDENT_MINUTES * MINUTE_MS, seed));
      }
    }
    return new Scenario(seed, project, from, end, scale, incidents);
  }

  private static Incident incident(Kind kind, long from, long to, long seed) {
    return switch (kind) {
      case SLOW_FUNCTION -> new Incident(kind, from, to, "functions", "name", Routes.DISCOUNTS, Routes.DISCOUNTS);
      case N_PLUS_ONE -> sql(kind, from, to, Routes.ORDER_ITEMS);
      case MISSING_INDEX -> sql(kind, from, to, Routes.CUSTOMER_BY_EMAIL);
      case LOCK_PILEUP -> new Incident(kind, from, to, "locks", "blocking_correlation_id",
          blockerCorrelationId(seed), blockerCorrelationId(seed));
      case HOST_CPU -> new Incident(kind, from, to, "hosts", "host", "web-3", "web-3");
      case CRAWLER -> new Incident(kind, from, to, "routes", "route", "/search", "/search");
    };
  }

  private static Incident sql(Kind kind, long from, long to, Routes.Statement statement) {
    SqlNormalizer.Normalized normalized = SqlNormalizer.cached(statement.sql().formatted(42));
    return new Incident(kind, from, to, "sql", "fingerprint", normalized.fingerprint(),
        normalized.text().substring(0, Math.min(60, normalized.text().length())));
  }

  /** Quiet periods: the run minus each incident and the settling time after it (and the first minutes). */
  public List<long[]> quietPeriods() {
    List<long[]> quiet = new ArrayList<>();
    long start = fromMs;
    for (Incident incident : incidents) {
      if (incident.fromMs() > start) {
        quiet.add(new long[] {start, incident.fromMs()});
      }
      start = incident.toMs() + SETTLE_MINUTES * MINUTE_MS;
    }
    if (toMs > start) {
      quiet.add(new long[] {start, toMs});
    }
    return quiet;
  }

  Incident active(Kind kind, long timeMs) {
    for (Incident incident : incidents) {
      if (incident.kind() == kind && incident.covers(timeMs)) {
        return incident;
      }
    }
    return null;
  }

  public JsonObject manifest() {
    JsonArray list = new JsonArray();
    incidents.forEach(i -> list.add(i.toJson()));
    JsonArray quiet = new JsonArray();
    quietPeriods().forEach(q -> quiet.add(new JsonObject().put("from_ms", q[0]).put("to_ms", q[1])));
    return new JsonObject().put("seed", seed).put("project", project).put("from_ms", fromMs).put("to_ms", toMs)
        .put("scale", scale).put("php_threshold_ms", TrafficGenerator.PHP_THRESHOLD_MS).put("incidents", list)
        .put("quiet", quiet);
  }
}
