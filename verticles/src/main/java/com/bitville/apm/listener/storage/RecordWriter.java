package com.bitville.apm.listener.storage;

import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.model.RecordKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteException;

/**
 * Writes one group of records, their correlation links and the id counter, in a single transaction.
 *
 * <p>The group commit is the listener's hottest path, so it runs as ONE blocking task per transaction on a
 * dedicated writer thread, with a plain JDBC connection and prepared statements kept across commits.
 * Through vertx-jdbc-client (which the rest of storage uses) every statement of the transaction is its own
 * worker task and prepares its statement again; measured on the real payloads, that made a commit 2.3x
 * slower (docs/BENCHMARKS.md). The rollup's frequent writes run on the same thread and connection between
 * two group commits ({@link #transaction}), so they never hold SQLite's write lock while a commit waits for it.
 * The other, rare writes (retention, outbox cursor) keep using the writer pool; SQLite's write lock and busy
 * timeout serialize the two connections.
 */
final class RecordWriter {

  /** A record with the id the single writer assigned to it. */
  record Numbered(long id, IngestRecord record) {
  }

  /**
   * What a write did with each record of its batch (same order): the id of an already stored PHP request with
   * the same project and correlation id, or null where the record was inserted under its assigned id.
   */
  record Written(List<Long> existingIds) {

    boolean isDuplicate(int index) {
      return existingIds.get(index) != null;
    }
  }

  private static final int SQLITE_BUSY = 5;
  private static final int BUSY_ATTEMPTS = 3;
  private static final long BUSY_BACKOFF_MS = 10;

  private final Database database;
  private final String node;
  private final WorkerExecutor thread;
  private final boolean deduplicatePhp;
  private Connection connection;
  private String synchronousLevel;
  private PreparedStatement findPhpRequest;
  private PreparedStatement insertRecord;
  private PreparedStatement insertLink;
  private PreparedStatement saveNextId;

  RecordWriter(Vertx vertx, Database database, String node, boolean deduplicatePhp) {
    this.database = database;
    this.node = node;
    this.deduplicatePhp = deduplicatePhp;
    this.thread = vertx.createSharedWorkerExecutor("bitville-sqlite-group-commit", 1);
  }

  /**
   * Opens the writer connection (after migrations) and reads the next record id. The statement is closed before
   * the commit: a statement left open keeps its read snapshot, and the first write after any other connection's
   * commit would then fail with SQLITE_BUSY_SNAPSHOT.
   */
  Future<Long> open() {
    return thread.executeBlocking(() -> {
      connect();
      long next;
      try (Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery(RecordSql.NEXT_ID)) {
        rows.next();
        next = rows.getLong(1);
      }
      connection.commit();
      return next;
    }, true);
  }

  /**
   * Commits the batch. The duplicate check runs in the same transaction on the single writer, so a request
   * sent twice at the same moment (a retry racing its original, two importers) is still stored once.
   */
  Future<Written> write(List<Numbered> batch, long nextId) {
    return thread.executeBlocking(() -> retryingWhenBusy(() -> writeOnce(batch, nextId)), true);
  }

  private Written writeOnce(List<Numbered> batch, long nextId) throws SQLException {
    try {
      connectIfDiscarded();
      synchronous(database.synchronous());
      // the write comes first so that the transaction holds the write lock before it reads: a read first would
      // make it a read transaction that SQLite cannot upgrade (SQLITE_BUSY) once another connection committed
      saveNextId.setLong(1, nextId);
      saveNextId.executeUpdate();
      Written written = findStoredRequests(batch);
      List<Numbered> fresh = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        if (!written.isDuplicate(i)) {
          fresh.add(batch.get(i));
        }
      }
      addRecords(fresh);
      addLinks(fresh);
      connection.commit();
      return written;
    } catch (SQLException | RuntimeException e) {
      discardConnection();
      throw e;
    }
  }

  /** One unit of work on the writer connection; it rolls back and discards the connection when it fails. */
  private interface Transaction<T> {
    T run() throws SQLException;
  }

  /**
   * Runs a transaction again (on a fresh connection, the failed one rolled back) when SQLite reports the
   * database busy. The other writers (retention, outbox cursor, rollups) can commit between this
   * connection's snapshot and its write lock (SQLITE_BUSY_SNAPSHOT), which the busy timeout does not cover;
   * agents should not get a 503 for that.
   */
  private static <T> T retryingWhenBusy(Transaction<T> transaction) throws SQLException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return transaction.run();
      } catch (SQLiteException e) {
        if (attempt >= BUSY_ATTEMPTS || (e.getResultCode().code & 0xFF) != SQLITE_BUSY) {
          throw e;
        }
        Thread.sleep(BUSY_BACKOFF_MS * attempt);
      }
    }
  }

  /**
   * Derived data (rollups) commits without its own fsync: in WAL mode the next group commit's sync of the log
   * makes the earlier frames durable too, and after a crash the rollup repeats its page from its cursor, which
   * moves in the same transaction. Agents' records keep the configured level.
   */
  private static final String DERIVED_SYNCHRONOUS = "NORMAL";

  /** Work of another kind in one transaction on the writer connection. */
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in its own transaction on the writer thread and connection, queued behind the group commit
   * that is running (if any) and before the next one: writes on one connection never wait for SQLite's lock.
   */
  <T> Future<T> transaction(Work<T> work) {
    return thread.executeBlocking(() -> retryingWhenBusy(() -> {
      try {
        connectIfDiscarded();
        synchronous(DERIVED_SYNCHRONOUS);
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        discardConnection();
        throw e;
      }
    }), true);
  }

  /**
   * A minimal write transaction (the id counter saved again), to find out whether writes work again after a
   * failure without storing anything an agent was told is not stored.
   */
  Future<Void> probe(long nextId) {
    return thread.executeBlocking(() -> {
      try {
        connectIfDiscarded();
        saveNextId.setLong(1, nextId);
        saveNextId.executeUpdate();
        connection.commit();
        return null;
      } catch (SQLException | RuntimeException e) {
        discardConnection();
        throw e;
      }
    }, true);
  }

  Future<Void> close() {
    Future<Void> closed = thread.executeBlocking(() -> {
      if (connection != null) {
        connection.close();
        connection = null;
      }
      return null;
    }, true);
    return closed.eventually(thread::close);
  }

  /** Existing ids of PHP requests already stored, or earlier in this batch, under the same project and id. */
  private Written findStoredRequests(List<Numbered> batch) throws SQLException {
    List<Long> existing = new ArrayList<>(batch.size());
    Map<String, Long> inBatch = new HashMap<>();
    for (Numbered numbered : batch) {
      IngestRecord r = numbered.record();
      if (!deduplicatePhp || r.kind() != RecordKind.PHP || r.correlationId() == null) {
        existing.add(null);
        continue;
      }
      String key = r.project() + '\n' + r.correlationId();
      Long id = inBatch.get(key);
      if (id == null) {
        id = storedPhpRequest(r.project(), r.correlationId());
      }
      existing.add(id);
      inBatch.putIfAbsent(key, id != null ? id : numbered.id());
    }
    return new Written(existing);
  }

  private Long storedPhpRequest(String project, String correlationId) throws SQLException {
    findPhpRequest.setString(1, correlationId);
    findPhpRequest.setString(2, project);
    Long id = null;
    try (ResultSet rows = findPhpRequest.executeQuery()) {
      // read to the end, so that the statement is finished and holds no snapshot after the commit
      while (rows.next()) {
        id = rows.getLong(1);
      }
    }
    return id;
  }

  private void addRecords(List<Numbered> batch) throws SQLException {
    if (batch.isEmpty()) {
      return;
    }
    for (Numbered numbered : batch) {
      IngestRecord r = numbered.record();
      int i = 0;
      insertRecord.setLong(++i, numbered.id());
      insertRecord.setString(++i, r.project());
      insertRecord.setString(++i, r.kind().wireName());
      insertRecord.setString(++i, r.source());
      insertRecord.setString(++i, r.correlationId());
      insertRecord.setLong(++i, r.eventTimeMs());
      insertRecord.setLong(++i, r.receivedAtMs());
      insertRecord.setInt(++i, r.eventTimeEstimated() ? 1 : 0);
      setDouble(insertRecord, ++i, r.durationMs());
      insertRecord.setString(++i, r.route());
      insertRecord.setString(++i, r.url());
      insertRecord.setString(++i, r.method());
      setLong(insertRecord, ++i, r.status() == null ? null : r.status().longValue());
      insertRecord.setString(++i, r.host());
      setLong(insertRecord, ++i, r.sqlCount() == null ? null : r.sqlCount().longValue());
      setDouble(insertRecord, ++i, r.sqlTimeMs());
      setLong(insertRecord, ++i, r.memoryPeakBytes());
      insertRecord.setInt(++i, r.fatal() ? 1 : 0);
      insertRecord.setString(++i, r.summary());
      insertRecord.setString(++i, node);
      insertRecord.setBytes(++i, r.payload());
      insertRecord.addBatch();
    }
    insertRecord.executeBatch();
  }

  /**
   * Links other than the record's own correlation id, which the {@code records_correlation} index already
   * finds: a PHP request usually has none, a pg-agent sample one per session or lock it mentions.
   */
  private void addLinks(List<Numbered> batch) throws SQLException {
    boolean any = false;
    for (Numbered numbered : batch) {
      for (String correlationId : numbered.record().correlationIds()) {
        if (!correlationId.equals(numbered.record().correlationId())) {
          insertLink.setString(1, correlationId);
          insertLink.setLong(2, numbered.id());
          insertLink.addBatch();
          any = true;
        }
      }
    }
    if (any) {
      insertLink.executeBatch();
    }
  }

  private static void setDouble(PreparedStatement statement, int index, Double value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.REAL);
    } else {
      statement.setDouble(index, value);
    }
  }

  private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.INTEGER);
    } else {
      statement.setLong(index, value);
    }
  }

  /**
   * Sets the connection's sync level for the next transaction. SQLite refuses it inside a transaction, and the
   * driver opens the next one right after each commit, so the pragma runs in autocommit mode in between.
   */
  private void synchronous(String level) throws SQLException {
    if (!level.equals(synchronousLevel)) {
      connection.setAutoCommit(true);
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA synchronous=" + level);
      }
      connection.setAutoCommit(false);
      synchronousLevel = level;
    }
  }

  private void connect() throws SQLException {
    synchronousLevel = null;
    connection = database.openGroupCommitConnection();
    connection.setAutoCommit(false);
    insertRecord = connection.prepareStatement(RecordSql.INSERT_RECORD);
    findPhpRequest = connection.prepareStatement(RecordSql.FIND_PHP_REQUEST);
    insertLink = connection.prepareStatement(RecordSql.INSERT_LINK);
    saveNextId = connection.prepareStatement(RecordSql.SAVE_NEXT_ID);
  }

  private void connectIfDiscarded() throws SQLException {
    if (connection == null) {
      connect();
    }
  }

  /**
   * After a failed write the connection is not trusted again. SQLite may already have rolled the
   * transaction back by itself (SQLITE_FULL, SQLITE_IOERR); the driver's ROLLBACK then fails and leaves the
   * connection without an open transaction, so every later statement would commit on its own and a failed
   * commit would store part of a batch. Rolling back and then closing guarantees that nothing of the failed
   * batch stays, and the next write starts on a fresh connection.
   */
  private void discardConnection() {
    if (connection == null) {
      return;
    }
    try {
      connection.rollback();
    } catch (SQLException | RuntimeException e) {
      // already rolled back by SQLite, or the connection is broken: closing it below settles both
    }
    try {
      connection.close();
    } catch (SQLException | RuntimeException e) {
      // closing a broken connection may fail; it is dropped either way
    }
    connection = null;
  }
}
