package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.config.StorageSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The two pools on the SQLite file: one writer connection (SQLite has a single writer; one connection
 * serializes writes without SQLITE_BUSY) and a few read-only connections that WAL lets run beside it.
 */
public final class Database {

  private final Pool writer;
  private final Pool reader;
  private final SQLiteDataSource dataSource;

  private Database(Pool writer, Pool reader, SQLiteDataSource dataSource) {
    this.writer = writer;
    this.reader = reader;
    this.dataSource = dataSource;
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
    return new Database(writer, reader, dataSource(settings));
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

  public Future<Void> close() {
    return Future.all(writer.close(), reader.close()).mapEmpty();
  }
}
