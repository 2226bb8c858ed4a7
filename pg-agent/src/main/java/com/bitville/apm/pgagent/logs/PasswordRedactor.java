package com.bitville.apm.pgagent.logs;

import java.util.regex.Pattern;

/**
 * Removes passwords from logged SQL before it leaves the host: {@code PASSWORD '...'} in CREATE/ALTER ROLE (also
 * ENCRYPTED, and dollar-quoted), and {@code password=...} inside connection strings (dblink, postgres_fdw).
 */
public final class PasswordRedactor {

  static final String MASK = "'***'";
  private static final Pattern SQL_LITERAL = Pattern.compile(
      "(?i)(\\bpassword\\s+)(E?'(?:[^']|'')*'|\\$[a-z_]*\\$.*?\\$[a-z_]*\\$)", Pattern.DOTALL);
  private static final Pattern CONNINFO = Pattern.compile("(?i)(\\bpassword\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|[^\\s']+)");

  private PasswordRedactor() {
  }

  public static String redact(String text) {
    if (text == null || !text.toLowerCase(java.util.Locale.ROOT).contains("password")) {
      return text;
    }
    String redacted = SQL_LITERAL.matcher(text).replaceAll("$1" + MASK);
    return CONNINFO.matcher(redacted).replaceAll("$1***");
  }
}
