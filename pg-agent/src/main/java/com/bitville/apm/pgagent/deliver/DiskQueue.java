package com.bitville.apm.pgagent.deliver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable FIFO of ready-to-send request bodies, one file per batch named {@code <sequence>-<records>.ndjson.gz}.
 * A batch is fsynced and renamed into place before it counts as queued, so a crash leaves either the whole batch or
 * nothing. The total size is bounded: beyond it the oldest batches are deleted and their records counted as
 * dropped. Blocking I/O, synchronized: call from worker threads.
 */
public final class DiskQueue {

  private static final Logger LOG = LoggerFactory.getLogger(DiskQueue.class);
  private static final Pattern NAME = Pattern.compile("(\\d{20})-(\\d+)\\.ndjson\\.gz");

  /** A queued batch: its file, how many records it holds and its (compressed) body. */
  public record Batch(Path file, long sequence, int records, byte[] body) {
  }

  private final Path directory;
  private final long maxBytes;
  private final TreeMap<Long, Path> files = new TreeMap<>();
  private long totalBytes;
  private long nextSequence;
  private long droppedOldestRecords;

  public DiskQueue(Path directory, long maxBytes) throws IOException {
    this.directory = directory;
    this.maxBytes = maxBytes;
    Files.createDirectories(directory);
    recover();
  }

  public synchronized void append(byte[] body, int records) throws IOException {
    Path temp = directory.resolve("incoming.tmp");
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(body);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    long sequence = nextSequence++;
    Path file = directory.resolve(String.format("%020d-%d.ndjson.gz", sequence, records));
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    files.put(sequence, file);
    totalBytes += body.length;
    enforceBound();
  }

  /** The oldest batch, still queued until {@link #remove}. */
  public synchronized Optional<Batch> peek() throws IOException {
    while (!files.isEmpty()) {
      var oldest = files.firstEntry();
      try {
        return Optional.of(new Batch(oldest.getValue(), oldest.getKey(), records(oldest.getValue()),
            Files.readAllBytes(oldest.getValue())));
      } catch (java.nio.file.NoSuchFileException e) {
        files.remove(oldest.getKey()); // removed behind our back: nothing to send
      }
    }
    return Optional.empty();
  }

  /** Deletes a batch after the listener answered for it; a batch already dropped by the bound is fine. */
  public synchronized void remove(Batch batch) throws IOException {
    if (files.remove(batch.sequence()) != null) {
      totalBytes -= batch.body().length;
      Files.deleteIfExists(batch.file());
    }
  }

  public synchronized int depth() {
    return files.size();
  }

  public synchronized long sizeBytes() {
    return totalBytes;
  }

  public synchronized long droppedOldestRecords() {
    return droppedOldestRecords;
  }

  /** Keeps the newest data when the listener has been away too long: it says most about the present. */
  private void enforceBound() throws IOException {
    while (totalBytes > maxBytes && files.size() > 1) {
      var oldest = files.pollFirstEntry();
      long size = Files.size(oldest.getValue());
      int records = records(oldest.getValue());
      Files.deleteIfExists(oldest.getValue());
      totalBytes -= size;
      droppedOldestRecords += records;
      LOG.warn("delivery queue over {} bytes: dropped the oldest batch of {} records ({} dropped so far)",
          maxBytes, records, droppedOldestRecords);
    }
  }

  private void recover() throws IOException {
    Files.deleteIfExists(directory.resolve("incoming.tmp"));
    try (Stream<Path> listing = Files.list(directory)) {
      for (Path file : (Iterable<Path>) listing::iterator) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (m.matches()) {
          long sequence = Long.parseLong(m.group(1));
          files.put(sequence, file);
          totalBytes += Files.size(file);
        }
      }
    }
    nextSequence = files.isEmpty() ? 0 : files.lastKey() + 1;
    if (!files.isEmpty()) {
      LOG.info("delivery queue holds {} batch(es), {} bytes, from before the restart", files.size(), totalBytes);
    }
  }

  private static int records(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    return m.matches() ? Integer.parseInt(m.group(2)) : 0;
  }
}
