package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.config.StorageSettings;
import com.bitville.apm.listener.testsupport.Await;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * A migrated SQLite file with the storage pieces that tests of single operations need, without a node: the
 * pools, the single writer (open, as the storage verticle opens it) and the rollup operations on them.
 */
record TempStore(Vertx vertx, Database database, RecordWriter writer, RollupOps rollups) implements AutoCloseable {

  static TempStore open(Path file) throws Exception {
    Vertx vertx = Vertx.vertx();
    Database database = Database.open(vertx, new StorageSettings(file, "NORMAL", 10, 100, 1, 1000, true));
    Await.result(Schema.migrate(database.writer()));
    RecordWriter writer = new RecordWriter(vertx, database, "test-node", true);
    Await.result(writer.open());
    return new TempStore(vertx, database, writer, new RollupOps(database, writer));
  }

  @Override
  public void close() throws Exception {
    Await.result(writer.close());
    Await.result(database.close());
    Await.result(vertx.close());
  }
}
