package com.bitville.apm.pgagent.logs;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiles the server's {@code log_line_prefix} into a regular expression for stderr log lines, so the agent
 * understands any prefix an administrator chose. Escapes that carry fields we use become named groups; {@code %q}
 * makes the rest of the prefix optional, as the server omits it for non-session processes.
 */
public final class LinePrefixPattern {

  static final String LEVELS = "DEBUG[1-5]|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT"
      + "|LOCATION|STATEMENT";
  private static final Pattern ESCAPE = Pattern.compile("%(-?\\d+)?([a-zA-Z%])");
  private static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d";
  private static final String ZONE = "(?: [A-Za-z0-9+\\-:_/]+)?";

  private LinePrefixPattern() {
  }

  /** Pattern with groups ts, pid, user, db, app, state, epoch (when in the prefix), level and msg. */
  public static Pattern compile(String logLinePrefix) {
    StringBuilder regex = new StringBuilder("^");
    Set<String> used = new HashSet<>();
    Matcher m = ESCAPE.matcher(logLinePrefix);
    int last = 0;
    int optionalGroups = 0;
    while (m.find()) {
      regex.append(literal(logLinePrefix.substring(last, m.start())));
      String padding = m.group(1) == null ? "" : " *";
      char escape = m.group(2).charAt(0);
      if (escape == 'q') {
        regex.append("(?:");
        optionalGroups++;
      } else {
        regex.append(padding).append(escape(escape, used)).append(padding);
      }
      last = m.end();
    }
    regex.append(literal(logLinePrefix.substring(last)));
    regex.append(")?".repeat(optionalGroups));
    regex.append("(?<level>").append(LEVELS).append("):  (?<msg>.*)$");
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  private static String escape(char escape, Set<String> used) {
    return switch (escape) {
      case 'm' -> group("ts", TIMESTAMP + "\\.\\d{3}" + ZONE, used);
      case 't' -> group("ts", TIMESTAMP + ZONE, used);
      case 'n' -> group("epoch", "\\d+(?:\\.\\d+)?", used);
      case 'p' -> group("pid", "\\d+", used);
      case 'u' -> group("user", ".*?", used);
      case 'd' -> group("db", ".*?", used);
      case 'a' -> group("app", ".*?", used);
      case 'e' -> group("state", "[0-9A-Z]{5}", used);
      case 'l', 'P' -> "\\d*";
      case 'x' -> "\\d*";
      case 'Q' -> "-?\\d*";
      case 'v' -> "(?:\\d+/\\d+)?";
      case 'c' -> "[0-9a-f]+\\.[0-9a-f]+";
      case 's' -> TIMESTAMP + ZONE;
      case '%' -> "%";
      default -> ".*?";
    };
  }

  private static String group(String name, String body, Set<String> used) {
    return used.add(name) ? "(?<" + name + ">" + body + ")" : "(?:" + body + ")";
  }

  private static String literal(String text) {
    return text.isEmpty() ? "" : Pattern.quote(text);
  }
}
