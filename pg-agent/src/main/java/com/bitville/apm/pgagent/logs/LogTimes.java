package com.bitville.apm.pgagent.logs;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a log line's local time into an absolute one. The server writes times in {@code log_timezone} followed by
 * an abbreviation ({@code CET}, {@code CEST}, {@code +03}) that alone is ambiguous, so the zone comes from the
 * server's setting and the abbreviation only decides between the two readings of an hour repeated at a DST change.
 */
final class LogTimes {

  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS][.SSS]");
  private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  private static final Pattern NUMERIC = Pattern.compile("[+-]\\d{2}(:?\\d{2})?");

  private LogTimes() {
  }

  /** The server's {@code log_timezone} as a zone, or null when Java does not know the name. */
  static ZoneId zone(String logTimezone) {
    if (logTimezone == null || logTimezone.isBlank()) {
      return null;
    }
    try {
      return ZoneId.of(logTimezone.trim());
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** ISO-8601 UTC ({@code 2026-11-30T20:00:00.123Z}), or null when the time cannot be placed reliably. */
  static String utc(String local, String abbreviation, ZoneId serverZone) {
    if (local == null) {
      return null;
    }
    LocalDateTime time;
    try {
      time = LocalDateTime.parse(local.trim(), LOCAL);
    } catch (DateTimeException e) {
      return null;
    }
    ZonedDateTime placed = place(time, abbreviation == null ? "" : abbreviation.trim(), serverZone);
    return placed == null ? null : UTC.format(placed.withZoneSameInstant(ZoneOffset.UTC));
  }

  private static ZonedDateTime place(LocalDateTime time, String abbreviation, ZoneId serverZone) {
    if (List.of("UTC", "GMT", "Z", "UCT").contains(abbreviation.toUpperCase(Locale.ROOT))) {
      return time.atZone(ZoneOffset.UTC);
    }
    if (NUMERIC.matcher(abbreviation).matches()) {
      return time.atZone(ZoneOffset.of(abbreviation.length() == 3 ? abbreviation + ":00" : abbreviation));
    }
    if (serverZone == null) {
      return null;
    }
    List<ZoneOffset> offsets = serverZone.getRules().getValidOffsets(time);
    for (ZoneOffset offset : offsets) {
      ZonedDateTime candidate = ZonedDateTime.ofStrict(time, offset, serverZone);
      if (abbreviation.equals(DateTimeFormatter.ofPattern("zzz", Locale.ROOT).format(candidate))
          || abbreviation.equals(serverZone.getDisplayName(TextStyle.SHORT, Locale.ROOT))) {
        return candidate;
      }
    }
    return time.atZone(serverZone);
  }
}
