package com.bitville.apm.listener.tools.simulate;

import com.bitville.apm.listener.tools.simulate.Incident.Kind;
import com.bitville.apm.listener.tools.simulate.Routes.Route;
import com.bitville.apm.listener.tools.simulate.Routes.Statement;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Generates one minute of a {@link Scenario} at a time, deterministically from the seed: every request of the
 * shop (fast ones too, since the database sees them), of which the PHP agent's payloads are built for those
 * slower than its 500 ms threshold only, and the pg-agent envelopes of that minute (sessions sampled twice,
 * locks while someone waits, statement deltas, log lines, host metrics).
 */
public final class TrafficGenerator {

  public static final double PHP_THRESHOLD_MS = 500;
  private static final long SAMPLE_MS = 30_000;

  /** One request as simulated; {@code sql} and {@code self} describe where its time went. */
  record SimRequest(Route route, String host, long endMs, String correlationId, List<SqlExec> sql,
      Map<String, Double> self, double durationMs) {
  }

  record SqlExec(Statement statement, String text, double timeMs, double lockWaitMs, double ioMs) {
  }

  /** Everything to send for one minute. */
  public record Minute(long startMs, List<JsonObject> php, List<JsonObject> postgres) {
  }

  private final Scenario scenario;
  private final SplittableRandom random;
  private final PhpPayloads payloads;
  private final PgEnvelopes envelopes;

  public TrafficGenerator(Scenario scenario) {
    this.scenario = scenario;
    this.random = new SplittableRandom(scenario.seed());
    this.payloads = new PhpPayloads(random);
    this.envelopes = new PgEnvelopes(scenario, random);
  }

  public Minute minute(long startMs) {
    List<SimRequest> requests = new ArrayList<>();
    for (Route route : Routes.ALL) {
      double rate = route.perMinute() * scenario.scale() * crawlerFactor(route, startMs);
      int count = poisson(rate);
      for (int i = 0; i < count; i++) {
        requests.add(request(route, startMs + random.nextLong(Scenario.MINUTE_MS)));
      }
    }
    List<JsonObject> php = new ArrayList<>();
    for (SimRequest request : requests) {
      if (request.durationMs() > PHP_THRESHOLD_MS) {
        php.add(payloads.payload(request));
      }
    }
    Incident lock = scenario.active(Kind.LOCK_PILEUP, startMs);
    if (lock != null && startMs + Scenario.MINUTE_MS >= lock.toMs()) {
      php.add(payloads.payload(blockingRequest(lock)));
    }
    return new Minute(startMs, php, envelopes.minute(startMs, requests, lock));
  }


  private double crawlerFactor(Route route, long timeMs) {
    return route.route().equals("/search") && scenario.active(Kind.CRAWLER, timeMs) != null ? 10 : 1;
  }

  private SimRequest request(Route route, long endMs) {
    String host = Routes.HOSTS.get(random.nextInt(Routes.HOSTS.size()));
    double base = logNormal(route.medianMs(), route.sigma());
    if (route.route().equals("/search") && scenario.active(Kind.CRAWLER, endMs) != null) {
      base *= 1.4;
    }
    double cpu = "web-3".equals(host) && scenario.active(Kind.HOST_CPU, endMs) != null ? 3.5 : 1;
    Map<String, Double> self = new LinkedHashMap<>();
    double specific = specificTime(route, base, cpu, endMs, self);
    double render = base * route.renderShare() * cpu;
    self.put(Routes.VOLT, render * 0.85);
    self.put(Routes.VIEW, render * 0.15);
    double app = Math.max(1, base * (1 - route.sqlShare() - route.renderShare()) * cpu - specific);
    self.put(route.service(), app * 0.7);
    self.put(route.action(), app * 0.3);
    List<SqlExec> sql = statements(route, base * route.sqlShare(), endMs);
    double total = 2.0 * cpu + self.values().stream().mapToDouble(Double::doubleValue).sum()
        + sql.stream().mapToDouble(SqlExec::timeMs).sum() * 1.03;
    return new SimRequest(route, host, endMs, uuid(), sql, self, total);
  }

  /** Time in the route's own notable functions (the discount rules of a product page, the payment call). */
  private double specificTime(Route route, double base, double cpu, long timeMs, Map<String, Double> self) {
    if (route.route().equals("/products/{id}") || route.route().equals("/checkout/confirm")) {
      double discounts = base * 0.12 * cpu;
      double rules = discounts * 0.5;
      if (scenario.active(Kind.SLOW_FUNCTION, timeMs) != null) {
        discounts += 450 + random.nextDouble() * 500;
      }
      self.put(Routes.DISCOUNTS, discounts - rules);
      self.put(Routes.RULE_MATCHES, rules);
      if (route.route().equals("/checkout/confirm")) {
        double payment = base * 0.2;
        self.put(Routes.PAYMENT, payment);
        return base * 0.12 * cpu + payment;
      }
      return base * 0.12 * cpu;
    }
    return 0;
  }

  private List<SqlExec> statements(Route route, double sqlTime, long timeMs) {
    double weights = route.statements().stream().mapToDouble(Statement::weight).sum();
    List<SqlExec> list = new ArrayList<>();
    for (Statement statement : route.statements()) {
      double time = sqlTime * statement.weight() / weights * (0.6 + random.nextDouble() * 0.8);
      double lockWait = 0;
      double io = 0;
      if (statement == Routes.STOCK_FOR_UPDATE && scenario.active(Kind.LOCK_PILEUP, timeMs) != null) {
        lockWait = 2_000 + random.nextDouble() * 10_000;
      }
      if (statement == Routes.CUSTOMER_BY_EMAIL && scenario.active(Kind.MISSING_INDEX, timeMs) != null) {
        io = 800 + random.nextDouble() * 1_700;
      }
      list.add(new SqlExec(statement, literal(statement), time + lockWait + io, lockWait, io));
    }
    if (route.route().equals("/orders") && scenario.active(Kind.N_PLUS_ONE, timeMs) != null) {
      int n = 30 + random.nextInt(31);
      for (int i = 0; i < n; i++) {
        list.add(new SqlExec(Routes.ORDER_ITEMS, literal(Routes.ORDER_ITEMS), 6 + random.nextDouble() * 8, 0, 0));
      }
    }
    return list;
  }

  /** The long transaction of the lock incident: an import that held a row lock for the whole incident. */
  private SimRequest blockingRequest(Incident lock) {
    Route importRoute = new Route("POST", "/admin/stock/import", "/admin/stock/import", 0, 0, 0,
        "App\\Http\\Kernel::stockImport", "App\\Services\\StockImporter::run", 0, 0, List.of());
    double duration = lock.toMs() - lock.fromMs() + 15_000;
    Map<String, Double> self = new LinkedHashMap<>();
    self.put(importRoute.service(), duration * 0.9);
    self.put(importRoute.action(), 40.0);
    Statement update = new Statement(Routes.IMPORT_BLOCKING_SQL, Routes.IMPORT_BLOCKING_SQL, 1, 1);
    List<SqlExec> sql = List.of(new SqlExec(update, Routes.IMPORT_BLOCKING_SQL, duration * 0.08, 0, 0));
    return new SimRequest(importRoute, "web-2", lock.toMs() - 1_000, Scenario.blockerCorrelationId(scenario.seed()),
        sql, self, duration);
  }

  private String literal(Statement statement) {
    return statement.sql().formatted(1 + random.nextInt(99_999));
  }

  private String uuid() {
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(high, low).toString();
  }

  private double logNormal(double median, double sigma) {
    return median * Math.exp(sigma * gaussian());
  }

  private double gaussian() {
    double u = Math.max(1e-12, random.nextDouble());
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  int poisson(double mean) {
    if (mean > 60) {
      return (int) Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian()));
    }
    double limit = Math.exp(-mean);
    double product = random.nextDouble();
    int count = 0;
    while (product > limit) {
      product *= random.nextDouble();
      count++;
    }
    return count;
  }

  static long sampleMs() {
    return SAMPLE_MS;
  }
}
