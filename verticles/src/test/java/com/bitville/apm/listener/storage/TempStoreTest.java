package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.storage.api.RollupStore;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests of storage operations on a fresh, migrated SQLite file per test ({@link TempStore}), without a node. */
abstract class TempStoreTest {

  static final long HOUR = 3_600_000;
  static final long MINUTE = 60_000;
  /** 09:00 UTC of a fixed day, where the tests' data begins. */
  static final long NINE = 1_795_000_000_000L / (24 * HOUR) * 24 * HOUR + 9 * HOUR;
  static final String DB_FILE = "test.db";

  @TempDir
  Path dir;
  TempStore store;
  Vertx vertx;
  Database database;
  RollupStore rollups;

  @BeforeEach
  void openStore() throws Exception {
    store = TempStore.open(dir.resolve(DB_FILE));
    vertx = store.vertx();
    database = store.database();
    rollups = store.rollups();
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }
}
