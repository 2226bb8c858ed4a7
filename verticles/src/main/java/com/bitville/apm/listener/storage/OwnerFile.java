package com.bitville.apm.listener.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive operating-system lock on {@code <database>.owner}, held as long as the storage verticle has the
 * database open. The cluster-wide lock says one storage per cluster; this one says one writer per file, also when
 * the cluster's view is wrong (a frozen storage node dropped from the cluster still holds this lock, so a new one
 * on the same file is refused) and across clusters. The system releases it when the process dies, so a restart
 * after a crash is never refused by it. Blocking: call on a worker thread.
 */
final class OwnerFile {

  /** Paths locked by this JVM: a second lock attempt in the same process must not open (and close) the file. */
  private static final Set<Path> LOCKED_HERE = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final FileChannel channel;

  private OwnerFile(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  static OwnerFile acquire(Path dbPath) {
    Path path = dbPath.toAbsolutePath().resolveSibling(dbPath.getFileName() + ".owner");
    if (!LOCKED_HERE.add(path)) {
      throw refused(dbPath);
    }
    try {
      FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        LOCKED_HERE.remove(path);
        throw refused(dbPath);
      }
      return new OwnerFile(path, channel);
    } catch (IOException e) {
      LOCKED_HERE.remove(path);
      throw new IllegalStateException("cannot lock " + path + ": " + e.getMessage(), e);
    }
  }

  private static IllegalStateException refused(Path dbPath) {
    return new IllegalStateException("another process has the database " + dbPath + " open for writing (its "
        + dbPath.getFileName() + ".owner is locked); run exactly one storage per database");
  }

  void release() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing releases the lock; the process exit would too
    } finally {
      LOCKED_HERE.remove(path);
    }
  }
}
