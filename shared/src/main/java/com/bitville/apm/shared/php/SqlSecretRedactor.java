package com.bitville.apm.shared.php;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces SQL string literals that look like secrets with {@code '[REDACTED]'} in a PHP payload's raw JSON, before
 * it is stored or forwarded: literals compared with or assigned to a column whose name looks secret
 * ({@code password = '...'}, {@code SET api_key = '...'}), literals in the secret columns of an
 * {@code INSERT ... (cols) VALUES (...)}, card numbers (13-19 digits passing the Luhn check) and literals matching
 * configured value patterns. Works on the SQL text of {@code "sql"} and {@code "query"} string fields in place, so
 * every other byte of the payload stays as the agent sent it; a payload without such literals is returned as is.
 */
public final class SqlSecretRedactor {

  public static final String MARKER = "[REDACTED]";
  private static final String SQL_KEY = "\"sql\"";
  private static final String QUERY_KEY = "\"query\"";
  /** A quoted literal in the JSON-escaped SQL text: a backslash there always starts a two-character escape. */
  private static final String LITERAL = "'(?<value>(?:[^'\\\\]|''|\\\\.)*)'";
  private static final Pattern LITERAL_PATTERN = Pattern.compile(LITERAL);
  /** An identifier as it appears in the JSON text: "quoted" identifiers arrive as \"name\". */
  private static final String IDENTIFIER = "[\\w.\\\\\"`]";
  private static final Pattern CARD = Pattern.compile("(?:\\d[ -]?){12,18}\\d");
  private static final Pattern INSERT = Pattern.compile(
      "(?is)\\binsert\\s+into\\s+" + IDENTIFIER + "+\\s*\\(([^()]*)\\)\\s*values\\s*");

  private final Pattern secretName;
  private final Pattern comparison;
  private final List<Pattern> valuePatterns;
  private final boolean cardNumbers;

  /**
   * @param secretNames a regex matching column names whose values are secret, e.g. {@code pass(word)?|token}
   * @param valuePatterns regexes matching a whole literal that is secret whatever its column
   */
  public SqlSecretRedactor(String secretNames, List<String> valuePatterns, boolean cardNumbers) {
    this.secretName = Pattern.compile("(?i)" + secretNames);
    this.comparison = Pattern.compile("(?i)(?<column>" + IDENTIFIER + "*(?:" + secretNames + ")" + IDENTIFIER
        + "*)(?<operator>\\s*(?:=|<>|!=|\\blike\\b)\\s*)" + LITERAL);
    this.valuePatterns = valuePatterns.stream().map(Pattern::compile).toList();
    this.cardNumbers = cardNumbers;
  }

  /** The payload with secret literals replaced; the same array when there was nothing to replace. */
  public byte[] redact(byte[] rawJson) {
    List<int[]> spans = sqlStringSpans(rawJson);
    if (spans.isEmpty()) {
      return rawJson;
    }
    StringBuilder out = null;
    int copied = 0;
    for (int[] span : spans) {
      if (!containsQuote(rawJson, span[0], span[1])) {
        continue;
      }
      String sql = new String(rawJson, span[0], span[1] - span[0], StandardCharsets.UTF_8);
      String redacted = redactSql(sql);
      if (redacted.equals(sql)) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(rawJson.length);
      }
      out.append(new String(rawJson, copied, span[0] - copied, StandardCharsets.UTF_8)).append(redacted);
      copied = span[1];
    }
    if (out == null) {
      return rawJson;
    }
    out.append(new String(rawJson, copied, rawJson.length - copied, StandardCharsets.UTF_8));
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One SQL statement's text (as escaped in JSON: single quotes are never escaped there). The regexes run only
   * where they can match: the comparison pattern (which backtracks over every identifier) only when a secret
   * column name occurs at all, the INSERT pattern only when the text contains "insert", the card pattern only
   * on literals with enough digits.
   */
  String redactSql(String sql) {
    String result = containsIgnoreCase(sql, "insert") ? redactInsertColumns(sql) : sql;
    if (secretName.matcher(result).find()) {
      result = replaceAll(result, comparison,
          m -> m.group("column") + m.group("operator") + "'" + MARKER + "'");
    }
    return replaceAll(result, LITERAL_PATTERN,
        m -> secretValue(m.group("value")) ? "'" + MARKER + "'" : null);
  }

  private boolean secretValue(String literal) {
    if (literal.equals(MARKER)) {
      return false;
    }
    if (cardNumbers && digits(literal) >= 13 && CARD.matcher(literal).matches() && luhn(literal)) {
      return true;
    }
    for (Pattern pattern : valuePatterns) {
      if (pattern.matcher(literal).matches()) {
        return true;
      }
    }
    return false;
  }

  /** INSERT ... (a, password, c) VALUES ('x', 'secret', 'y'), (...): the literals in secret columns. */
  private String redactInsertColumns(String sql) {
    Matcher insert = INSERT.matcher(sql);
    if (!insert.find()) {
      return sql;
    }
    String[] columns = insert.group(1).split(",");
    List<Integer> secret = new ArrayList<>();
    for (int i = 0; i < columns.length; i++) {
      if (secretName.matcher(columns[i].replaceAll("[\\s\\\\\"`]", "")).find()) {
        secret.add(i);
      }
    }
    if (secret.isEmpty()) {
      return sql;
    }
    StringBuilder out = new StringBuilder(sql.substring(0, insert.end()));
    int position = insert.end();
    int column = 0;
    int depth = 0;
    while (position < sql.length()) {
      char c = sql.charAt(position);
      if (c == '\'') {
        int end = literalEnd(sql, position);
        out.append(depth == 1 && secret.contains(column) ? "'" + MARKER + "'" : sql.substring(position, end));
        position = end;
        continue;
      }
      if (c == '(') {
        depth++;
        if (depth == 1) {
          column = 0;
        }
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 1) {
        column++;
      } else if (depth == 0 && c != ',' && !Character.isWhitespace(c)) {
        break;
      }
      out.append(c);
      position++;
    }
    return out.append(sql.substring(position)).toString();
  }

  /** The index after the literal starting at {@code start} (a quote); doubled quotes and backslash escapes skipped. */
  private static int literalEnd(String sql, int start) {
    int i = start + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\\' && i + 1 < sql.length()) {
        i += 2;
      } else if (c == '\'' && i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
        i += 2;
      } else if (c == '\'') {
        return i + 1;
      } else {
        i++;
      }
    }
    return sql.length();
  }

  private static boolean luhn(String number) {
    int sum = 0;
    boolean doubled = false;
    for (int i = number.length() - 1; i >= 0; i--) {
      char c = number.charAt(i);
      if (!Character.isDigit(c)) {
        continue;
      }
      int digit = c - '0';
      if (doubled) {
        digit *= 2;
        if (digit > 9) {
          digit -= 9;
        }
      }
      sum += digit;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  /** Every match replaced by what {@code replacement} gives (null: kept); the same string when nothing changes. */
  private static String replaceAll(String text, Pattern pattern,
      java.util.function.Function<Matcher, String> replacement) {
    Matcher matcher = pattern.matcher(text);
    StringBuilder out = null;
    while (matcher.find()) {
      String replaced = replacement.apply(matcher);
      if (replaced == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder();
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(replaced));
    }
    return out == null ? text : matcher.appendTail(out).toString();
  }

  private static int digits(String text) {
    int count = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= '0' && text.charAt(i) <= '9') {
        count++;
      }
    }
    return count;
  }

  private static boolean containsIgnoreCase(String text, String lowerCaseWord) {
    for (int i = 0; i + lowerCaseWord.length() <= text.length(); i++) {
      if (text.regionMatches(true, i, lowerCaseWord, 0, lowerCaseWord.length())) {
        return true;
      }
    }
    return false;
  }

  /**
   * [start, end) of the content of every JSON string value under a "sql" or "query" key. The keys are found with
   * {@link String#indexOf(String)} over the bytes read as Latin-1 (one char per byte, so indexes are byte
   * offsets), which the JVM runs as a vector search; a key's quotes cannot occur inside a JSON string unescaped.
   */
  private static List<int[]> sqlStringSpans(byte[] json) {
    List<int[]> spans = new ArrayList<>();
    String bytes = new String(json, StandardCharsets.ISO_8859_1);
    int sql = bytes.indexOf(SQL_KEY);
    int query = bytes.indexOf(QUERY_KEY);
    while (sql >= 0 || query >= 0) {
      boolean isSql = query < 0 || (sql >= 0 && sql < query);
      int key = isSql ? sql : query;
      int value = valueStart(json, key + (isSql ? SQL_KEY.length() : QUERY_KEY.length()));
      int from = key + 1;
      if (value > 0) {
        int end = stringEnd(json, value);
        spans.add(new int[] {value, end});
        from = end + 1;
      }
      sql = sql >= 0 && sql < from ? bytes.indexOf(SQL_KEY, from) : sql;
      query = query >= 0 && query < from ? bytes.indexOf(QUERY_KEY, from) : query;
    }
    return spans;
  }

  /** After a key: whitespace, a colon, whitespace, then the opening quote of a string value; -1 otherwise. */
  private static int valueStart(byte[] json, int from) {
    int i = skipSpace(json, from);
    if (i >= json.length || json[i] != ':') {
      return -1;
    }
    i = skipSpace(json, i + 1);
    return i < json.length && json[i] == '"' ? i + 1 : -1;
  }

  private static int skipSpace(byte[] json, int from) {
    int i = from;
    while (i < json.length && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) {
      i++;
    }
    return i;
  }

  private static int stringEnd(byte[] json, int from) {
    int i = from;
    while (i < json.length && json[i] != '"') {
      i += json[i] == '\\' ? 2 : 1;
    }
    return Math.min(i, json.length);
  }

  private static boolean containsQuote(byte[] json, int from, int to) {
    for (int i = from; i < to; i++) {
      if (json[i] == '\'') {
        return true;
      }
    }
    return false;
  }
}
