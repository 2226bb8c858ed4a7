package com.bitville.apm.listener.bench;

import com.bitville.apm.listener.analysis.RollupTable;
import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.launcher.FirstStart;
import com.bitville.apm.listener.launcher.ListenerNode;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The analysis benchmark (run by scripts/bench-analysis): fills the rollup tables of a fresh listener with DAYS
 * of per-minute rows of a busy shop (a daily curve peaking at PEAK slow requests per hour; 20 routes on 4 hosts,
 * 120 functions, 160 XHProf edges, 60 SQL fingerprints, 60 database statements per minute), starts the listener on
 * it and measures the analysis API over HTTPS: p50 and p95 of repeated calls. Rows are written directly: the
 * query cost depends on the rows per minute, which the distinct routes, functions and statements bound, not on
 * how many requests were summed into each. Usage: BenchAnalysis [DAYS=7] [PEAK_PER_HOUR=100000] [REPEAT=20]
 */
public final class BenchAnalysis {

  private static final int ROUTES = 20;
  private static final int HOSTS = 4;
  private static final int FUNCTIONS = 120;
  private static final int EDGES = 160;
  private static final int FINGERPRINTS = 60;
  private static final int STATEMENTS = 60;
  private static final long MINUTE = 60_000;

  private BenchAnalysis() {
  }

  public static void main(String[] args) throws Exception {
    int days = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int peakPerHour = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int repeat = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    Path dataDir = Files.createTempDirectory("bitville-bench-analysis-");
    try {
      JsonObject config = ConfigLoader.defaults().mergeIn(TestListener.baseConfig(dataDir), true);
      FirstStart.Outcome prepared = FirstStart.prepare(config);
      ListenerNode.start(prepared.config(), false).compose(ListenerNode::shutdown).toCompletionStage()
          .toCompletableFuture().get(120, TimeUnit.SECONDS);
      long end = System.currentTimeMillis() / MINUTE * MINUTE;
      long started = System.nanoTime();
      long rows = fill(dataDir.resolve("bitville.db"), end - days * 86_400_000L, end, peakPerHour);
      System.out.printf(Locale.ROOT, "machine: %d cores; %d days of rollups, peak %d slow requests/h: %d rows "
              + "written in %.0f s, database %.0f MiB%n", Runtime.getRuntime().availableProcessors(), days, peakPerHour,
          rows, (System.nanoTime() - started) / 1e9, Files.size(dataDir.resolve("bitville.db")) / 1048576.0);
      ListenerNode node = ListenerNode.start(prepared.config(), false).toCompletionStage().toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      Vertx vertx = Vertx.vertx();
      WebClient client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(prepared.certificatePem().toString()))
          .setDefaultHost("localhost").setDefaultPort(config.getJsonObject("query").getInteger("port"))
          .setKeepAlive(true));
      try {
        String cookie = login(client);
        String week = "&from=" + (end - days * 86_400_000L) + "&to=" + end;
        measure(client, cookie, "overview, " + days + " days (auto step)", repeat, () -> "/api/overview?project=shop"
            + week);
        long wholeHour = (end - days * 86_400_000L) / 3_600_000 * 3_600_000;
        measure(client, cookie, "overview, " + days + " days, step 1 h from an hour", repeat,
            () -> "/api/overview?project=shop&step=1h&from=" + wholeHour + "&to=" + end);
        measure(client, cookie, "spikes, " + days + " days (auto step)", repeat, () -> "/api/spikes?project=shop" + week);
        measure(client, cookie, "analysis, 1 h window (+1 h baseline)", repeat, () -> "/api/analysis?project=shop"
            + "&from=" + (end - 3_600_000) + "&to=" + end);
        measure(client, cookie, "analysis, 24 h window (+24 h baseline)", repeat, () -> "/api/analysis?project=shop"
            + "&from=" + (end - 86_400_000) + "&to=" + end);
        measure(client, cookie, "flamegraph, 1 h window", repeat, () -> "/api/flamegraph?project=shop"
            + "&from=" + (end - 3_600_000) + "&to=" + end);
      } finally {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        node.shutdown().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    } finally {
      TestListener.deleteRecursively(dataDir);
    }
  }

  /** Slow requests per minute: a daily curve from 30 % of the peak at night to the peak in the afternoon. */
  private static double perMinute(long minuteMs, int peakPerHour) {
    double hour = (minuteMs % 86_400_000L) / 3_600_000.0;
    double day = Math.pow(Math.sin(Math.PI * (hour - 3) / 24), 2);
    return peakPerHour / 60.0 * (0.3 + 0.7 * day);
  }

  private static long fill(Path db, long from, long to, int peakPerHour) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    long rows = 0;
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      connection.createStatement().execute("PRAGMA synchronous = OFF");
      connection.setAutoCommit(false);
      try (PreparedStatement php = connection.prepareStatement("INSERT INTO rollup_php VALUES (?,?,?,?,?,?,?,?,?)");
          PreparedStatement hist = connection.prepareStatement("INSERT INTO rollup_php_hist VALUES (?,?,?,?,?)");
          PreparedStatement function = connection.prepareStatement(
              "INSERT INTO rollup_function VALUES (?,?,?,?,?,?,?)");
          PreparedStatement edge = connection.prepareStatement("INSERT INTO rollup_edge VALUES (?,?,?,?,?,?)");
          PreparedStatement sql = connection.prepareStatement("INSERT INTO rollup_sql VALUES (?,?,?,?,?,?,?)");
          PreparedStatement statement = connection.prepareStatement(
              "INSERT INTO rollup_db_statement VALUES (?,?,?,?,?,?)");
          PreparedStatement overview = connection.prepareStatement(
              "INSERT INTO rollup_overview VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        for (long minute = from; minute < to; minute += MINUTE) {
          double requests = perMinute(minute, peakPerHour);
          for (int r = 0; r < ROUTES; r++) {
            double share = requests / ROUTES;
            for (int h = 0; h < HOSTS; h++) {
              long count = Math.max(1, Math.round(share / HOSTS * (0.5 + random.nextDouble())));
              rows += add(php, "shop", minute, "/route-" + r, "web-" + h, count, count * 800_000L,
                  count * 300_000L, 0, 3_000_000L);
            }
            for (int b = 0; b < 10; b++) {
              rows += add(hist, "shop", minute, "/route-" + r, 66 + b, Math.max(1, Math.round(share / 10)));
            }
          }
          long total = Math.round(requests);
          StringBuilder histogram = new StringBuilder("{");
          for (int b = 0; b < 15; b++) {
            histogram.append(b == 0 ? "" : ",").append('"').append(66 + b).append("\":")
                .append(Math.max(1, total / 15));
          }
          rows += add(overview, "shop", minute, total, total * 800_000L, total * 300_000L, 0, 6, 12, 2, 1, 0, 6,
              24_000L, 180_000L, 6_000L, 3_000_000L, histogram.append('}').toString());
          for (int f = 0; f < FUNCTIONS; f++) {
            long calls = Math.round(requests * (1 + f % 5));
            rows += add(function, "shop", minute, "App\\Service" + f + "::run", calls, calls * 2_000L, calls * 9_000L,
                Math.round(requests));
          }
          for (int e = 0; e < EDGES; e++) {
            rows += add(edge, "shop", minute, "App\\Service" + (e / 2) + "::run==>App\\Service" + (e + 1) + "::run",
                Math.round(requests), Math.round(requests) * 9_000L, Math.round(requests));
          }
          for (int q = 0; q < FINGERPRINTS; q++) {
            long count = Math.round(requests * (1 + q % 3));
            rows += add(sql, "shop", minute, "fp" + q, count, count * 4_000L, Math.round(requests), 90_000L);
          }
          for (int s = 0; s < STATEMENTS; s++) {
            long calls = Math.round(requests * 20 * (1 + s % 3));
            rows += add(statement, "shop", minute, "q" + s, calls, calls * 300L, calls);
          }
          if ((minute / MINUTE) % 1440 == 0) {
            connection.commit();
          }
        }
        for (int q = 0; q < FINGERPRINTS; q++) {
          connection.createStatement().execute("INSERT INTO rollup_sql_text VALUES ('shop', 'fp" + q
              + "', 'SELECT * FROM table_" + q + " WHERE id = ?')");
        }
        for (int s = 0; s < STATEMENTS; s++) {
          connection.createStatement().execute("INSERT INTO rollup_statement_text VALUES ('shop', 'q" + s
              + "', 'SELECT * FROM table_" + s + " WHERE id = $1')");
        }
        connection.commit();
      }
      rows += fillHours(connection);
      connection.commit();
      connection.setAutoCommit(true);
      connection.createStatement().execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    return rows;
  }

  /**
   * The hourly level as the rollup write leaves it: each hour row holds the sums and maxima of its minute rows.
   */
  private static long fillHours(Connection connection) throws Exception {
    long rows = 0;
    for (RollupTable table : RollupTable.values()) {
      List<String> keys = new ArrayList<>(List.of("project", "minute_ms / 3600000 * 3600000"));
      keys.addAll(table.keys());
      List<String> select = new ArrayList<>(keys);
      table.sums().forEach(c -> select.add("sum(" + c + ")"));
      table.maxes().forEach(c -> select.add("max(" + c + ")"));
      if (table.histogram()) {
        select.add("(SELECT json_group_object(bucket, n) FROM (SELECT j.key AS bucket, sum(j.value) AS n FROM "
            + table.table() + " m, json_each(m." + RollupTable.HISTOGRAM_COLUMN + ") j WHERE m.project = "
            + table.table() + ".project AND m.minute_ms >= " + table.table() + ".minute_ms / 3600000 * 3600000 "
            + "AND m.minute_ms < " + table.table() + ".minute_ms / 3600000 * 3600000 + 3600000 GROUP BY j.key))");
      }
      rows += connection.createStatement().executeUpdate("INSERT INTO " + table.table() + "_hour SELECT "
          + String.join(", ", select) + " FROM " + table.table() + " GROUP BY " + String.join(", ", keys));
    }
    return rows;
  }

  private static int add(PreparedStatement insert, Object... values) throws Exception {
    for (int i = 0; i < values.length; i++) {
      insert.setObject(i + 1, values[i]);
    }
    insert.executeUpdate();
    return 1;
  }

  private static String login(WebClient client) throws Exception {
    HttpResponse<Buffer> login = client.post("/api/login").putHeader("X-Bitville-Request", "1")
        .sendJsonObject(new JsonObject().put("user", TestListener.ADMIN_USER).put("password",
            TestListener.USER_PASSWORD)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return login.headers().getAll("Set-Cookie").get(0).split(";")[0];
  }

  /** Sequential calls after 3 warm-up calls; the time is the full HTTPS round trip. */
  private static void measure(WebClient client, String cookie, String name, int repeat, Supplier<String> uri)
      throws Exception {
    long[] nanos = new long[repeat];
    for (int i = -3; i < repeat; i++) {
      long start = System.nanoTime();
      HttpResponse<Buffer> response = client.get(uri.get()).putHeader("Cookie", cookie).send().toCompletionStage()
          .toCompletableFuture().get(120, TimeUnit.SECONDS);
      long took = System.nanoTime() - start;
      if (response.statusCode() != 200) {
        throw new IllegalStateException(uri.get() + " -> " + response.statusCode() + " " + response.bodyAsString());
      }
      if (i >= 0) {
        nanos[i] = took;
      }
    }
    Arrays.sort(nanos);
    System.out.printf(Locale.ROOT, "%-42s n=%3d  p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms%n", name, repeat,
        nanos[(int) Math.ceil(0.5 * repeat) - 1] / 1e6, nanos[(int) Math.ceil(0.95 * repeat) - 1] / 1e6,
        nanos[repeat - 1] / 1e6);
  }
}
