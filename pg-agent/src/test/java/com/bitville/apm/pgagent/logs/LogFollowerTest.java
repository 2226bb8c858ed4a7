package com.bitville.apm.pgagent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFollowerTest {

  @TempDir
  Path dir;
  private Path log;

  @BeforeEach
  void createLog() throws IOException {
    log = dir.resolve("postgresql.log");
    Files.writeString(log, "");
  }

  @Test
  @DisplayName("Only complete lines are returned; a half-written line waits for its end")
  void partialLines() throws IOException {
    LogFollower follower = new LogFollower(dir, ".log", 1 << 20, null, false);
    append(log, "one\ntw");
    assertEquals(List.of("one"), texts(follower.poll()));
    append(log, "o\nthree\n");
    assertEquals(List.of("two", "three"), texts(follower.poll()));
    assertEquals(List.of(), texts(follower.poll()));
  }

  @Test
  @DisplayName("Rotation by rename: lines written to the renamed file are read before the new file")
  void renameRotation() throws IOException {
    LogFollower follower = new LogFollower(dir, ".log", 1 << 20, null, false);
    append(log, "a1\n");
    assertEquals(List.of("a1"), texts(follower.poll()));
    Path old = dir.resolve("postgresql.log.1");
    Files.move(log, old);
    append(old, "a2\n"); // the writer still had the old file open
    Files.writeString(log, "b1\n");
    Files.setLastModifiedTime(log, FileTime.fromMillis(System.currentTimeMillis() + 2000));
    assertEquals(List.of("a2", "b1"), texts(follower.poll()));
    append(log, "b2\n");
    assertEquals(List.of("b2"), texts(follower.poll()));
  }

  @Test
  @DisplayName("Copytruncate: a shorter file, or one refilled past our offset with new content, is read from 0")
  void copyTruncate() throws IOException {
    LogFollower follower = new LogFollower(dir, ".log", 1 << 20, null, false);
    append(log, "2026-01-01 old line one\n2026-01-01 old line two\n");
    assertEquals(2, texts(follower.poll()).size());
    truncate(log);
    append(log, "2026-01-02 new\n");
    assertEquals(List.of("2026-01-02 new"), texts(follower.poll()));
    truncate(log);
    append(log, "2026-01-03 refilled beyond the previous offset\n");
    assertEquals(List.of("2026-01-03 refilled beyond the previous offset"), texts(follower.poll()));
  }

  @Test
  @DisplayName("A saved position resumes exactly where reading stopped, across a restart")
  void resumesFromSavedPosition() throws IOException {
    LogFollower first = new LogFollower(dir, ".log", 1 << 20, null, false);
    append(log, "x1\nx2\n");
    assertEquals(2, texts(first.poll()).size());
    OffsetStore store = new OffsetStore(dir.resolve("state/offsets.json"));
    store.put("stderr", first.position());
    store.save();
    append(log, "x3\n");
    LogFollower second = new LogFollower(dir, ".log", 1 << 20,
        new OffsetStore(dir.resolve("state/offsets.json")).get("stderr"), true);
    assertEquals(List.of("x3"), texts(second.poll()));
  }

  @Test
  @DisplayName("Without a saved position the agent starts at the end of the current file, not with old history")
  void startsAtEnd() throws IOException {
    append(log, "history\n");
    LogFollower follower = new LogFollower(dir, ".log", 1 << 20, null, true);
    assertEquals(List.of(), texts(follower.poll()));
    append(log, "fresh\n");
    assertEquals(List.of("fresh"), texts(follower.poll()));
  }

  private static List<String> texts(List<LogFollower.Segment> segments) {
    List<String> texts = new ArrayList<>();
    segments.forEach(s -> s.lines().forEach(l -> texts.add(l.text())));
    return texts;
  }

  private static void append(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static void truncate(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(0);
    }
  }
}
