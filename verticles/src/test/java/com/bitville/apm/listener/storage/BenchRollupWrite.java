package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.analysis.RecordRollup;
import com.bitville.apm.listener.analysis.RollupBatch;
import com.bitville.apm.listener.storage.api.RollupStore.PageRequest;
import com.bitville.apm.listener.storage.api.RollupStore.RollupWrite;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.shared.model.PayloadCodec;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CPU per PHP record of the rollup's write, on the writer thread (thread CPU time, so other processes do not
 * count), in one run: the page written as the rollup writes it (aggregates, texts, the per-request key lists and
 * the cursor), the same page without its request keys, and, for comparison, the keys written as a row per
 * request and key (the layout of schema migration 33, into a table of that shape in the same file, in
 * transactions of 1000 rows as that code did). Also the aggregation and the page's JSON hand-over on this thread.
 * Pages are of the real 55 KB {@code slow_get} capture with record ids and times as a busy minute has them.
 * Last, the rollup's page reads of 20,000 records with that capture's compressed payload.
 * Usage: BenchRollupWrite [PAGES=40] [RECORDS_PER_PAGE=500] [ROUNDS=3]
 */
public final class BenchRollupWrite {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final long START_MS = 1_795_457_879_000L;
  private static final int ROW_CHUNK = 1_000;

  private BenchRollupWrite() {
  }

  public static void main(String[] args) throws Exception {
    int pages = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int perPage = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    JsonObject tree = new JsonObject(Fixtures.php("wire/slow_get.json"));
    Path dir = Files.createTempDirectory("bench-rollup-write");
    try (TempStore store = TempStore.open(dir.resolve("bench.db"))) {
      Await.result(store.writer().transaction(BenchRollupWrite::createRowPerKeyTable));
      System.out.printf(Locale.ROOT, "%d pages of %d slow_get records a round; CPU per record (us), the last round "
          + "counts%n", pages, perPage);
      long id = 0;
      for (int round = 1; round <= rounds; round++) {
        double aggregate = 0;
        double json = 0;
        double[] writer = new double[3];
        for (int p = 0; p < pages; p++) {
          long after = id;
          long started = THREADS.getCurrentThreadCpuTime();
          RollupBatch batch = new RollupBatch();
          for (int i = 0; i < perPage; i++) {
            id++;
            RecordRollup.add(batch, new RecordRollup.StoredRecord(id, "shop", "php", "php-agent", START_MS + id * 3,
                START_MS + id * 3, 812.0, "GET /checkout", "web" + id % 8, 120.0, false), tree);
          }
          long aggregated = THREADS.getCurrentThreadCpuTime();
          JsonObject page = batch.toJson();
          RollupBatch.fromJson(page);
          aggregate += aggregated - started;
          json += THREADS.getCurrentThreadCpuTime() - aggregated;
          boolean withKeys = p % 2 == 0;
          if (!withKeys) {
            page.remove("postings");
          }
          long before = writerCpu(store);
          Await.result(store.rollups().write(new RollupWrite(after, page)));
          long written = writerCpu(store);
          writer[withKeys ? 0 : 1] += written - before;
          if (withKeys) {
            writeRowPerKey(store, batch);
            writer[2] += writerCpu(store) - written;
          }
        }
        double records = pages * perPage;
        double half = Math.ceil(pages / 2.0) * perPage;
        System.out.printf(Locale.ROOT, "round %d: aggregate %.1f; page JSON out and in %.1f; writer: page %.1f, page "
            + "without request keys %.1f, request keys as a row per request and key %.1f%n", round,
            aggregate / 1e3 / records, json / 1e3 / records, writer[0] / 1e3 / half,
            writer[1] / 1e3 / (records - half), writer[2] / 1e3 / half);
      }
      System.out.println(Await.result(store.writer().transaction(BenchRollupWrite::sizes)));
      pageReads(store, dir.resolve("bench.db"), PayloadCodec.compress(Fixtures.php("wire/slow_get.json").getBytes()),
          rounds);
    }
  }

  /**
   * The rollup's page read (records with their compressed payloads, 500 a page) as storage does it, on a plain
   * JDBC connection, and the same statement through the pooled client, as it was read before; process CPU time,
   * since both use pool threads (nothing else runs in this process meanwhile).
   */
  private static void pageReads(TempStore store, Path file, byte[] payload, int rounds) throws Exception {
    int records = 20_000;
    try (Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        PreparedStatement insert = connection.prepareStatement("INSERT INTO records (id, project, kind, source, "
            + "event_time_ms, received_at_ms, duration_ms, route, host, sql_time_ms, fatal, payload) VALUES (?, "
            + "'shop', 'php', 'php-agent', ?, ?, 812.5, 'GET /checkout', 'web1', 120.25, 0, ?)")) {
      connection.setAutoCommit(false);
      for (int id = 1; id <= records; id++) {
        insert.setLong(1, id);
        insert.setLong(2, START_MS + id);
        insert.setLong(3, START_MS + id);
        insert.setBytes(4, payload);
        insert.addBatch();
      }
      insert.executeBatch();
      connection.commit();
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int round = 1; round <= rounds; round++) {
      long started = os.getProcessCpuTime();
      for (long after = 0; after < records; after += 500) {
        Await.result(store.rollups().page(new PageRequest(after, 500, 8L << 20)));
      }
      long plain = os.getProcessCpuTime();
      for (long after = 0; after < records; after += 500) {
        Await.result(store.database().reader().preparedQuery(RollupSql.PAGE)
            .execute(Tuple.of(after, 500, 8L << 20))
            .map(rows -> {
              io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonArray();
              rows.forEach(row -> list.add(RecordReads.toJson(row)));
              return list;
            }));
      }
      long pooled = os.getProcessCpuTime();
      System.out.printf(Locale.ROOT, "page read round %d (us per record, %d-byte payloads): plain JDBC connection "
          + "%.1f, pooled client %.1f%n", round, payload.length, (plain - started) / 1e3 / records,
          (pooled - plain) / 1e3 / records);
    }
  }

  /** Bytes on disk of the two key layouts (each holds the keys of the same pages), from SQLite's dbstat. */
  private static String sizes(Connection connection) throws SQLException {
    StringBuilder line = new StringBuilder("file pages of the request keys of the pages written with them (MiB):");
    try (Statement statement = connection.createStatement();
        java.sql.ResultSet tables = statement.executeQuery("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE "
            + "'rollup_request_keys%' OR name LIKE 'bench_request_key_rows%' GROUP BY name ORDER BY name")) {
      while (tables.next()) {
        line.append(String.format(Locale.ROOT, " %s %.1f;", tables.getString(1), tables.getLong(2) / 1048576.0));
      }
    }
    return line.toString();
  }

  private static Void createRowPerKeyTable(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE bench_request_key_rows (project TEXT NOT NULL, key TEXT NOT NULL, "
          + "event_time_ms INTEGER NOT NULL, record_id INTEGER NOT NULL, PRIMARY KEY (project, key, event_time_ms, "
          + "record_id)) WITHOUT ROWID");
      statement.execute("CREATE INDEX bench_request_key_rows_record ON bench_request_key_rows(record_id)");
      statement.execute("CREATE INDEX bench_request_key_rows_time ON bench_request_key_rows(event_time_ms)");
    }
    return null;
  }

  private static void writeRowPerKey(TempStore store, RollupBatch batch) throws Exception {
    List<Tuple> rows = new ArrayList<>();
    for (RollupBatch.Posting posting : batch.postings()) {
      for (long recordId : posting.recordIds()) {
        rows.add(Tuple.of(posting.project(), posting.kind() + ":" + posting.key(), START_MS + recordId * 3,
            recordId));
      }
    }
    for (int start = 0; start < rows.size(); start += ROW_CHUNK) {
      List<Tuple> chunk = rows.subList(start, Math.min(rows.size(), start + ROW_CHUNK));
      Await.result(store.writer().transaction(connection -> RollupOps.executeBatch(connection,
          "INSERT INTO bench_request_key_rows VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", chunk)));
    }
  }

  /** The writer thread's CPU time so far, read on that thread between two of its tasks. */
  private static long writerCpu(TempStore store) throws Exception {
    return Await.result(store.writer().transaction(connection -> THREADS.getCurrentThreadCpuTime()));
  }
}
