package com.bitville.apm.pgagent.collect;

import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/** Conversions from result rows to the JSON values the wire protocol expects. */
final class SqlValues {

  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");

  private SqlValues() {
  }

  /** ISO-8601 with milliseconds and a numeric offset, as the earlier agent sent; null stays null. */
  static String iso(Row row, String column) {
    OffsetDateTime time = row.getOffsetDateTime(column);
    return time == null ? null : ISO.format(time);
  }

  static Double rounded(Row row, String column) {
    Object value = row.getValue(column);
    if (!(value instanceof Number number)) {
      return null;
    }
    return Math.round(number.doubleValue() * 1000.0) / 1000.0;
  }
}
