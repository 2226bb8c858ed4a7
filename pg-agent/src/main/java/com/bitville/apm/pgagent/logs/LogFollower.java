package com.bitville.apm.pgagent.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Follows the newest file of one log format in a directory, like {@code tail -F} with memory:
 * <ul>
 * <li>rotation by rename or by the server starting a new file: the old file is found again by identity (inode) and
 * read to its end before moving to the newest one, so nothing written just before rotation is lost;</li>
 * <li>copytruncate: a file shorter than our offset, or whose first bytes changed, is read again from 0;</li>
 * <li>only complete lines are returned; a half-written last line waits for the next poll.</li>
 * </ul>
 * Blocking file I/O: call from a worker thread only.
 */
public final class LogFollower {

  private static final int HEAD_BYTES = 64;

  private final Path directory;
  private final String suffix;
  private final int maxReadBytes;
  private FilePosition position;
  private boolean startAtEnd;

  /** One file's worth of new lines; {@code newFile} tells readers to flush what they held from the previous one. */
  public record Segment(List<LogLine> lines, boolean newFile) {
  }

  public LogFollower(Path directory, String suffix, int maxReadBytes, FilePosition saved, boolean startAtEnd) {
    this.directory = directory;
    this.suffix = suffix;
    this.maxReadBytes = maxReadBytes;
    this.position = saved;
    this.startAtEnd = startAtEnd && saved == null;
  }

  public FilePosition position() {
    return position;
  }

  public List<Segment> poll() throws IOException {
    List<Segment> segments = new ArrayList<>();
    int budget = maxReadBytes;
    if (position != null) {
      Optional<Path> current = locate(position);
      if (current.isPresent()) {
        Segment rest = readFrom(current.get(), false);
        budget -= bytesOf(rest);
        segments.add(rest);
        if (budget <= 0) {
          return segments;
        }
      }
    }
    Optional<Path> newest = newest();
    if (newest.isPresent() && (position == null || !fileKey(newest.get()).equals(position.fileKey()))) {
      switchTo(newest.get());
      segments.add(readFrom(newest.get(), true));
    }
    return segments;
  }

  private void switchTo(Path file) throws IOException {
    long start = startAtEnd ? Files.size(file) : 0;
    startAtEnd = false;
    position = new FilePosition(file.toString(), fileKey(file), start, head(file));
  }

  private Segment readFrom(Path file, boolean newFile) throws IOException {
    long size = Files.size(file);
    String head = head(file);
    boolean sameStart = head.startsWith(position.head()) || position.head().startsWith(head);
    long offset = size < position.offset() || !sameStart ? 0 : position.offset(); // 0: copytruncate
    String knownHead = head.length() > position.head().length() || offset == 0 ? head : position.head();
    Chunk chunk = readLines(file, offset, size);
    position = new FilePosition(file.toString(), position.fileKey(), chunk.end(), knownHead);
    return new Segment(chunk.lines(), newFile);
  }

  private record Chunk(List<LogLine> lines, long end) {
  }

  private Chunk readLines(Path file, long offset, long size) throws IOException {
    int length = (int) Math.min(maxReadBytes, size - offset);
    List<LogLine> lines = new ArrayList<>();
    if (length <= 0) {
      return new Chunk(lines, offset);
    }
    byte[] buffer = new byte[length];
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(offset);
      in.readFully(buffer);
    }
    int lineStart = 0;
    for (int i = 0; i < length; i++) {
      if (buffer[i] == '\n') {
        int end = i > lineStart && buffer[i - 1] == '\r' ? i - 1 : i;
        lines.add(new LogLine(offset + lineStart, new String(buffer, lineStart, end - lineStart,
            StandardCharsets.UTF_8)));
        lineStart = i + 1;
      }
    }
    if (lines.isEmpty() && length == maxReadBytes) {
      // one line longer than the whole read budget: pass its start on and move past it rather than stall forever
      lines.add(new LogLine(offset, new String(buffer, 0, Math.min(length, 4096), StandardCharsets.UTF_8)));
      return new Chunk(lines, offset + length);
    }
    return new Chunk(lines, offset + lineStart);
  }

  private static int bytesOf(Segment segment) {
    return segment.lines().stream().mapToInt(l -> l.text().length() + 1).sum();
  }

  /** The file we were reading: at its old path if still the same file, else wherever it was renamed to. */
  private Optional<Path> locate(FilePosition at) throws IOException {
    Path path = Path.of(at.path());
    if (Files.isRegularFile(path) && fileKey(path).equals(at.fileKey())) {
      return Optional.of(path);
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(Files::isRegularFile).filter(p -> at.fileKey().equals(safeKey(p))).findFirst();
    }
  }

  private Optional<Path> newest() throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new LogAccessException("log directory " + directory + " does not exist or cannot be entered by user "
          + System.getProperty("user.name") + " (every parent directory needs the x permission for it; a "
          + "data directory of mode 0700 blocks a log directory inside it)");
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)).filter(Files::isRegularFile)
          .max(Comparator.comparing(LogFollower::modified).thenComparing(p -> p.getFileName().toString()));
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String safeKey(Path p) {
    try {
      return fileKey(p);
    } catch (IOException e) {
      return "";
    }
  }

  static String fileKey(Path p) throws IOException {
    Object key = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    return key == null ? p.toString() : key.toString();
  }

  private static String head(Path file) throws IOException {
    byte[] bytes = new byte[HEAD_BYTES];
    int read;
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      read = Math.max(0, in.read(bytes));
    }
    return HexFormat.of().formatHex(bytes, 0, read);
  }
}
