package com.bitville.apm.pgagent.logs;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Turns lines of one log format into entries with canonical field names (timestamp, pid, level, message, user,
 * database, application_name, sql_state, detail, hint, context, statement, query_id, backend_type). Readers stitch
 * entries that span several lines and cap each entry's size.
 */
public interface LogEntryReader {

  /** Feeds one complete line; entries it completes are appended to {@code out}. */
  void accept(LogLine line, List<JsonObject> out);

  /** Emits the entry still waiting for possible continuation lines (file switched, or no new data came). */
  void flush(List<JsonObject> out);

  /** Offset of the first byte of an entry not yet emitted, or -1 when nothing is pending. */
  long pendingOffset();
}
