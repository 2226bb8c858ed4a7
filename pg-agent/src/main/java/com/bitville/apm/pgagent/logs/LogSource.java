package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;

/** One tailed format: the follower that finds new lines and the reader that turns them into entries. */
final class LogSource {

  private final String format;
  private final LogFollower follower;
  private final LogEntryReader reader;

  LogSource(String format, LogFollower follower, LogEntryReader reader) {
    this.format = format;
    this.follower = follower;
    this.reader = reader;
  }

  String format() {
    return format;
  }

  /** New entries since the last poll; an idle poll releases the entry held back for continuation lines. */
  void poll(List<JsonObject> out) throws IOException {
    boolean sawLines = false;
    for (LogFollower.Segment segment : follower.poll()) {
      if (segment.newFile()) {
        reader.flush(out);
      }
      for (LogLine line : segment.lines()) {
        reader.accept(line, out);
      }
      sawLines |= !segment.lines().isEmpty();
    }
    if (!sawLines) {
      reader.flush(out);
    }
  }

  /** Releases the entry held back for continuation lines: this source is read for the last time. */
  void finish(List<JsonObject> out) {
    reader.flush(out);
  }

  /** The position to persist: before any entry still held back, so a restart reads it again whole. */
  FilePosition durablePosition() {
    FilePosition position = follower.position();
    long pending = reader.pendingOffset();
    return position == null || pending < 0 ? position : position.at(pending);
  }
}
