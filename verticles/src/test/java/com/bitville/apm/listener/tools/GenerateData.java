package com.bitville.apm.listener.tools;

import com.bitville.apm.listener.config.NodeSettings;
import com.bitville.apm.listener.config.StorageSettings;
import com.bitville.apm.listener.storage.Database;
import com.bitville.apm.listener.storage.RecordSql;
import com.bitville.apm.listener.storage.Schema;
import com.bitville.apm.shared.model.PayloadCodec;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/generate-data DB N [DAYS]}: fills a listener database with N synthetic records spread over the
 * last DAYS days (default 7): 85 % PHP requests of two projects over 60 routes (log-normal durations above the
 * 500 ms threshold, payloads with 3 functions and 3 SQL statements each), 15 % pg-agent records. The schema comes from the real
 * migrations (so the triggers and indexes are the production ones); rows are written with plain JDBC in large
 * transactions for speed. For benchmarks only.
 */
public final class GenerateData {

  private static final int BATCH = 20_000;
  private static final String[] PROJECTS = {"shop", "shop", "shop", "blog"};
  private static final String[] PG_SOURCES = {"pg_stat_activity", "pg_locks", "pg_log", "pg_stat_statements",
      "system_metrics"};

  private GenerateData() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: generate-data DB_FILE RECORDS [DAYS]");
      System.exit(2);
    }
    Path db = Path.of(args[0]).toAbsolutePath();
    long total = Long.parseLong(args[1]);
    int days = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    migrate(db);
    long started = System.nanoTime();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement pragma = connection.createStatement()) {
        pragma.execute("PRAGMA journal_mode=WAL");
        pragma.execute("PRAGMA synchronous=OFF");
        pragma.execute("PRAGMA cache_size=-262144");
      }
      connection.setAutoCommit(false);
      fill(connection, total, days);
    }
    System.out.printf("generated %,d records in %.1f s%n", total, (System.nanoTime() - started) / 1e9);
  }

  private static void migrate(Path db) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject config = new JsonObject().put("node", new JsonObject().put("dataDir", db.getParent().toString()))
          .put("storage", new JsonObject().put("dbPath", db.toString()));
      Database database = Database.open(vertx, StorageSettings.from(config, NodeSettings.from(config)));
      Schema.migrate(database.writer()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
      database.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  private static void fill(Connection connection, long total, int days) throws Exception {
    Random random = new Random(42);
    long now = System.currentTimeMillis();
    long span = days * 86_400_000L;
    long firstId;
    try (var rs = connection.createStatement().executeQuery("SELECT coalesce(max(id), 0) + 1 FROM records")) {
      firstId = rs.getLong(1);
    }
    byte[][] phpPayloads = new byte[16][];
    for (int i = 0; i < phpPayloads.length; i++) {
      phpPayloads[i] = PayloadCodec.compress(phpPayload(i).encode());
    }
    byte[] pgPayload = PayloadCodec.compress(new JsonObject().put("source", "pg_stat_activity")
        .put("data", new JsonObject().put("sessions", new JsonArray())).encode());
    try (PreparedStatement records = connection.prepareStatement(RecordSql.INSERT_RECORD)) {
      for (long n = 0; n < total; n++) {
        long id = firstId + n;
        // ids grow with time, as the single writer assigns them
        long time = now - span + (long) ((double) n / total * span) + random.nextInt(50);
        String project = PROJECTS[random.nextInt(PROJECTS.length)];
        boolean php = random.nextInt(100) < 85;
        String correlation = new UUID(random.nextLong(), random.nextLong()).toString();
        records.setLong(1, id);
        records.setString(2, project);
        records.setString(3, php ? "php" : "postgres");
        records.setString(5, correlation);
        records.setLong(6, time);
        records.setLong(7, time + 5);
        records.setInt(8, 0);
        if (php) {
          int route = (int) Math.min(59, Math.abs(random.nextGaussian() * 15));
          double duration = 500 + Math.exp(5.5 + random.nextGaussian() * 0.9);
          records.setString(4, "php");
          records.setDouble(9, duration);
          records.setString(10, "/route-" + route + "/{id}");
          records.setString(11, "https://" + project + ".example.com/route-" + route + "/" + random.nextInt(100000));
          records.setString(12, random.nextInt(5) == 0 ? "POST" : "GET");
          records.setInt(13, random.nextInt(50) == 0 ? 500 : 200);
          records.setString(14, "web" + (1 + random.nextInt(8)));
          records.setInt(15, 3);
          records.setDouble(16, duration * 0.4);
          records.setLong(17, 2_097_152L * (1 + random.nextInt(16)));
          records.setInt(18, random.nextInt(200) == 0 ? 1 : 0);
          records.setString(19, "GET /route-" + route + " php");
          records.setBytes(21, phpPayloads[random.nextInt(phpPayloads.length)]);
        } else {
          records.setString(4, PG_SOURCES[random.nextInt(PG_SOURCES.length)]);
          for (int c = 9; c <= 17; c++) {
            records.setObject(c, null);
          }
          records.setInt(18, 0);
          records.setString(19, "pg sample");
          records.setBytes(21, pgPayload);
        }
        records.setString(20, "generator");
        records.addBatch();
        if ((n + 1) % BATCH == 0 || n + 1 == total) {
          records.executeBatch();
          connection.commit();
          if ((n + 1) % 500_000 == 0) {
            System.out.printf("  %,d records%n", n + 1);
          }
        }
      }
      try (PreparedStatement counter = connection.prepareStatement(RecordSql.SAVE_NEXT_ID)) {
        counter.setLong(1, firstId + total);
        counter.executeUpdate();
      }
      connection.commit();
      connection.createStatement().execute("ANALYZE");
      connection.commit();
    }
  }

  private static JsonObject phpPayload(int variant) {
    JsonArray functions = new JsonArray();
    for (int f = 0; f < 3; f++) {
      functions.add(new JsonObject().put("name", "App\\Controller" + variant + "::action==>App\\Service" + f + "::run")
          .put("calls", 3).put("wall_time_us", 100_000 / (f + 1)));
    }
    JsonArray queries = new JsonArray();
    for (String text : List.of("SELECT * FROM orders WHERE id = 1", "SELECT id, name FROM customers WHERE id = 2",
        "UPDATE carts SET total = 3 WHERE id = 4")) {
      queries.add(new JsonObject().put("sql", text).put("time_ms", 12.5).put("stack", new JsonArray()
          .add(new JsonObject().put("file", "/var/www/app.php").put("line", 10 + variant).put("function", "q"))));
    }
    return new JsonObject().put("correlation_id", UUID.randomUUID().toString()).put("timestamp", 1.7e9)
        .put("elapsed_ms", 800.0).put("request", new JsonObject().put("url", "https://shop.example.com/route-" + variant)
            .put("method", "GET").put("headers", new JsonObject().put("Host", "shop.example.com")))
        .put("response", new JsonObject().put("status_code", 200))
        .put("timing", new JsonObject().put("start_time", 1.7e9 - 0.8))
        .put("xhprof", new JsonObject().put("profiling", new JsonObject().put("top_functions", functions)))
        .put("sql", new JsonObject().put("queries", queries)).put("server", new JsonObject().put("hostname", "web1"));
  }
}
