package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.config.StorageSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.nio.file.Files;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The two pools on the SQLite file: one writer connection (SQLite has a single writer; one connection
 * serializes writes without SQLITE_BUSY) and a few read-only connections that WAL lets run beside it.
 */
public final class Database {

  private final Vertx vertx;
  private final Pool writer;
  private final Pool reader;
  private final SQLiteDataSource dataSource;
  private final int plainReaders;
  private final String synchronous;
  private final ConcurrentLinkedQueue<Connection> idlePlainReaders = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  private Database(Vertx vertx, Pool writer, Pool reader, SQLiteDataSource dataSource, int plainReaders,
      String synchronous) {
    this.vertx = vertx;
    this.synchronous = synchronous;
    this.writer = writer;
    this.reader = reader;
    this.dataSource = dataSource;
    this.plainReaders = plainReaders;
  }

  public static Database open(Vertx vertx, StorageSettings settings) {
    try {
      Files.createDirectories(settings.dbPath().toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the directory of " + settings.dbPath(), e);
    }
    Pool writer = JDBCPool.pool(vertx, dataSource(settings), new PoolOptions().setMaxSize(1)
        .setName("bitville-sqlite-writer"));
    Pool reader = JDBCPool.pool(vertx, dataSource(settings), new PoolOptions()
        .setMaxSize(settings.readPoolSize()).setName("bitville-sqlite-reader"));
    return new Database(vertx, writer, reader, dataSource(settings), settings.readPoolSize(),
        settings.synchronous());
  }

  private static SQLiteDataSource dataSource(StorageSettings settings) {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(settings.synchronous()));
    config.setBusyTimeout(settings.busyTimeoutMs());
    config.setTempStore(SQLiteConfig.TempStore.MEMORY);
    config.setCacheSize(-32_000);
    SQLiteDataSource dataSource = new SQLiteDataSource(config);
    dataSource.setUrl("jdbc:sqlite:" + settings.dbPath());
    return dataSource;
  }

  /** The configured {@code synchronous} level: what an agent's acknowledged record is committed with. */
  String synchronous() {
    return synchronous;
  }

  /** The only connection allowed to write. Multi-statement work goes through {@code withTransaction}. */
  public Pool writer() {
    return writer;
  }

  /** Read-only connections for queries; they see the last committed state. */
  public Pool reader() {
    return reader;
  }

  /**
   * A plain JDBC connection with the same settings, for the group commit's own writer thread (see
   * {@link RecordWriter}). Blocking: call it on that thread only.
   */
  java.sql.Connection openGroupCommitConnection() throws java.sql.SQLException {
    return dataSource.getConnection();
  }

  /** A read on a plain JDBC connection; it runs on a worker thread. */
  @FunctionalInterface
  public interface PlainRead<T> {
    T read(Connection connection) throws SQLException;
  }

  /**
   * Runs a read of many rows on a plain JDBC connection of its own, on a worker thread. The pooled client decodes
   * every cell through the driver's column metadata, about a hundred times slower than reading the result set
   * directly: fine for a few hundred rows, not for the thousands of a week of minutes. Connections are kept for
   * the next read, at most as many as the read pool has.
   */
  public <T> Future<T> readPlain(PlainRead<T> read) {
    return vertx.executeBlocking(() -> {
      Connection connection = idlePlainReaders.poll();
      if (connection == null) {
        connection = dataSource.getConnection();
      }
      boolean reusable = false;
      try {
        T result = read.read(connection);
        reusable = true;
        return result;
      } finally {
        if (reusable && !closed && idlePlainReaders.size() < plainReaders) {
          idlePlainReaders.add(connection);
        } else {
          connection.close();
        }
      }
    }, false);
  }

  public Future<Void> close() {
    closed = true;
    for (Connection connection; (connection = idlePlainReaders.poll()) != null; ) {
      try {
        connection.close();
      } catch (SQLException e) {
        // closing at shutdown: nothing left to do with it
      }
    }
    return Future.all(writer.close(), reader.close()).mapEmpty();
  }
}
