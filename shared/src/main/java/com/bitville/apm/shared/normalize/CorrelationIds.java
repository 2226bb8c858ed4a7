package com.bitville.apm.shared.normalize;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds PHP correlation ids: {@code application_name = bitville-<uuid>} and {@code /* correlation:<uuid> *\/}
 * comments in SQL and log text. Shared by the listener (linking) and the pg-agent (extraction).
 */
public final class CorrelationIds {

  private static final String UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
  private static final Pattern APPLICATION_NAME = Pattern.compile("bitville-(" + UUID + ")");
  private static final Pattern COMMENT = Pattern.compile("/\\*\\s*correlation:\\s*(" + UUID + ")\\s*\\*/");
  private static final Pattern PLAIN = Pattern.compile(UUID);
  private static final int MAX_IDS_PER_RECORD = 1000;
  private static final int MAX_WALK_DEPTH = 16;

  private CorrelationIds() {
  }

  /** The id in an {@code application_name} of the form {@code bitville-<uuid>}, else null. */
  public static String fromApplicationName(String applicationName) {
    if (applicationName == null) {
      return null;
    }
    Matcher matcher = APPLICATION_NAME.matcher(applicationName);
    return matcher.find() ? lower(matcher.group(1)) : null;
  }

  /** The first id in a {@code /* correlation:<uuid> *\/} comment of SQL or log text, else null. */
  public static String fromComment(String text) {
    if (text == null) {
      return null;
    }
    Matcher matcher = COMMENT.matcher(text);
    return matcher.find() ? lower(matcher.group(1)) : null;
  }

  /**
   * The text with the ids of its correlation comments replaced by {@code (varies)}: for aggregated statistics,
   * whose text is the first caller's while the counts are everyone's.
   */
  public static String withoutIds(String text) {
    return text == null ? null : COMMENT.matcher(text).replaceAll("/* correlation:(varies) */");
  }

  /** The id of a session: from its application_name, else from a comment in its query. */
  public static String fromSession(String applicationName, String query) {
    String id = fromApplicationName(applicationName);
    return id != null ? id : fromComment(query);
  }

  /**
   * Every correlation id inside pg-agent data: {@code correlation_id} and {@code *_correlation_id} fields holding a
   * UUID, and any string
   * containing {@code bitville-<uuid>} or a correlation comment, at any depth.
   */
  public static Set<String> findAll(JsonObject data) {
    Set<String> ids = new LinkedHashSet<>();
    walk(data, ids, 0);
    return ids;
  }

  /** True for values worth linking by: UUIDs; agent placeholders like {@code unknown} are not. */
  public static boolean isLinkable(String correlationId) {
    return correlationId != null && PLAIN.matcher(correlationId).matches();
  }

  private static void walk(Object node, Set<String> ids, int depth) {
    if (depth > MAX_WALK_DEPTH || ids.size() >= MAX_IDS_PER_RECORD) {
      return;
    }
    if (node instanceof JsonObject object) {
      for (var entry : object) {
        if (isIdField(entry.getKey()) && entry.getValue() instanceof String id && isLinkable(id)) {
          ids.add(lower(id));
        } else {
          walk(entry.getValue(), ids, depth + 1);
        }
      }
    } else if (node instanceof JsonArray array) {
      for (Object item : array) {
        walk(item, ids, depth + 1);
      }
    } else if (node instanceof String text) {
      addMatches(APPLICATION_NAME.matcher(text), ids);
      addMatches(COMMENT.matcher(text), ids);
    }
  }

  /** {@code correlation_id} and its qualified forms such as {@code blocked_correlation_id}. */
  private static boolean isIdField(String key) {
    return key.equals("correlation_id") || key.endsWith("_correlation_id");
  }

  private static void addMatches(Matcher matcher, Set<String> ids) {
    while (matcher.find() && ids.size() < MAX_IDS_PER_RECORD) {
      ids.add(lower(matcher.group(1)));
    }
  }

  private static String lower(String id) {
    return id.toLowerCase(Locale.ROOT);
  }
}
