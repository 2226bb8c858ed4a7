package com.bitville.apm.pgagent.logs;

/** One complete line of a log file and the byte offset where it starts (to resume exactly after a restart). */
public record LogLine(long offset, String text) {
}
