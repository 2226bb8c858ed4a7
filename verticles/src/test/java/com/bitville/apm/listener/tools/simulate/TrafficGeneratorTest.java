package com.bitville.apm.listener.tools.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.shared.php.PhpPayloadNormalizer;
import com.bitville.apm.shared.php.PhpProfile;
import com.bitville.apm.shared.pg.PostgresEnvelopeNormalizer;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {

  private static final long END = 1_795_000_000_000L;

  @Test
  void sameSeedSameTrafficAndEveryItemPassesTheListenersValidation() {
    Scenario scenario = Scenario.plan(7, "shop", 4, END, 1, Arrays.asList(Incident.Kind.values()));
    TrafficGenerator first = new TrafficGenerator(scenario);
    TrafficGenerator second = new TrafficGenerator(scenario);
    long php = 0;
    for (long t = scenario.fromMs(); t < scenario.fromMs() + 30 * Scenario.MINUTE_MS; t += Scenario.MINUTE_MS) {
      TrafficGenerator.Minute a = first.minute(t);
      TrafficGenerator.Minute b = second.minute(t);
      assertEquals(a.php(), b.php());
      assertEquals(a.postgres(), b.postgres());
      for (JsonObject payload : a.php()) {
        var record = PhpPayloadNormalizer.normalize(payload, "shop", t, "$");
        assertTrue(record.durationMs() > TrafficGenerator.PHP_THRESHOLD_MS, "only slow requests are sent");
        assertTrue(record.eventTimeMs() >= t && record.eventTimeMs() < t + Scenario.MINUTE_MS);
        assertTrue(!PhpProfile.of(payload).functions().isEmpty());
      }
      for (JsonObject envelope : a.postgres()) {
        PostgresEnvelopeNormalizer.normalize(envelope, "shop", t, "$");
      }
      php += a.php().size();
    }
    assertTrue(php > 30 * 5 && php < 30 * 60, "a quiet half hour sends a realistic number of slow requests: " + php);
  }

  @Test
  void incidentsAreSpacedWithQuietTimeAndEachHasItsCulprit() {
    Scenario scenario = Scenario.plan(7, "shop", 4, END, 1, Arrays.asList(Incident.Kind.values()));
    List<Incident> incidents = scenario.incidents();
    assertEquals(6, incidents.size());
    assertEquals(incidents.get(0).fromMs(), scenario.quietPeriods().get(0)[1]);
    assertTrue(incidents.get(0).fromMs() >= scenario.fromMs() + Scenario.LEAD_MINUTES * Scenario.MINUTE_MS);
    for (Incident incident : incidents) {
      assertTrue(incident.value() != null && !incident.value().isBlank());
      assertEquals(incident, Incident.fromJson(incident.toJson()));
    }
    JsonObject manifest = scenario.manifest();
    assertEquals(6, manifest.getJsonArray("incidents").size());
    assertEquals(6, manifest.getJsonArray("quiet").size(), "a quiet period before each incident");
  }

  @Test
  void anIncidentMultipliesTheSlowRequestsOfItsMinute() {
    Scenario scenario = Scenario.plan(3, "shop", 2, END, 1, List.of(Incident.Kind.SLOW_FUNCTION));
    Incident incident = scenario.incidents().get(0);
    TrafficGenerator generator = new TrafficGenerator(scenario);
    int before = 0;
    int during = 0;
    for (long t = scenario.fromMs(); t < incident.toMs(); t += Scenario.MINUTE_MS) {
      int sent = generator.minute(t).php().size();
      if (t >= incident.fromMs()) {
        during += sent;
      } else if (t >= incident.fromMs() - 6 * Scenario.MINUTE_MS) {
        before += sent;
      }
    }
    assertTrue(during > 3 * before, "slow requests during " + during + " vs before " + before);
  }
}
