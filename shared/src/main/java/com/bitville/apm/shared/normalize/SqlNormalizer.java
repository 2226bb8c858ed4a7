package com.bitville.apm.shared.normalize;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Normalizes SQL so that the same statement with other literals has the same text and fingerprint:
 * literals and bind markers become {@code ?}, IN-lists collapse, comments (including correlation
 * comments) and spacing are dropped, keywords keep their case. Used for N+1 detection and aggregation.
 */
public final class SqlNormalizer {

  public static final int MAX_NORMALIZED_CHARS = 4096;
  private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
  private static final Pattern LINE_COMMENT = Pattern.compile("--[^\\n]*");
  private static final Pattern STRING_LITERAL = Pattern.compile("'(?:[^']|'')*'");
  private static final Pattern DOLLAR_QUOTED = Pattern.compile("\\$\\$.*?\\$\\$", Pattern.DOTALL);
  private static final Pattern NUMBER = Pattern.compile("(?<![\\w\"$])-?\\d+(\\.\\d+)?(e[+-]?\\d+)?(?![\\w\"])",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern BIND = Pattern.compile("(?<!:):[A-Za-z_][A-Za-z0-9_]*|\\$\\d+|\\?");
  private static final Pattern IN_LIST = Pattern.compile("(?i)\\bIN\\s*\\(\\s*\\?(\\s*,\\s*\\?)*\\s*\\)");
  private static final Pattern VALUES_LIST = Pattern.compile("(?i)\\bVALUES\\s*(\\(\\s*\\?(\\s*,\\s*\\?)*\\s*\\)\\s*,?\\s*)+");
  private static final Pattern SPACES = Pattern.compile("\\s+");

  private static final int CACHE_LIMIT = 20_000;
  private static final int CACHEABLE_CHARS = 8192;
  private static final java.util.concurrent.ConcurrentHashMap<String, Normalized> CACHE =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** A normalized statement and its fingerprint. */
  public record Normalized(String text, String fingerprint) {
  }

  private SqlNormalizer() {
  }

  /**
   * Normalizes through a bounded cache keyed by the raw text: applications that bind parameters send the
   * same raw statement over and over, and the regular expressions are the costliest part of ingest.
   */
  public static Normalized cached(String sql) {
    if (sql == null || sql.length() > CACHEABLE_CHARS) {
      String text = normalize(sql);
      return new Normalized(text, fingerprint(text));
    }
    Normalized hit = CACHE.get(sql);
    if (hit != null) {
      return hit;
    }
    String text = normalize(sql);
    Normalized computed = new Normalized(text, fingerprint(text));
    if (CACHE.size() >= CACHE_LIMIT) {
      CACHE.clear();
    }
    CACHE.put(sql, computed);
    return computed;
  }

  public static String normalize(String sql) {
    if (sql == null) {
      return "(unreadable SQL: not valid UTF-8 at the agent)";
    }
    String text = BLOCK_COMMENT.matcher(sql).replaceAll(" ");
    text = LINE_COMMENT.matcher(text).replaceAll(" ");
    text = STRING_LITERAL.matcher(text).replaceAll("?");
    text = DOLLAR_QUOTED.matcher(text).replaceAll("?");
    text = NUMBER.matcher(text).replaceAll("?");
    text = BIND.matcher(text).replaceAll("?");
    text = IN_LIST.matcher(text).replaceAll("IN (...)");
    text = VALUES_LIST.matcher(text).replaceAll("VALUES (...)");
    text = SPACES.matcher(text).replaceAll(" ").trim();
    return text.length() > MAX_NORMALIZED_CHARS ? text.substring(0, MAX_NORMALIZED_CHARS) : text;
  }

  /** 16 hex characters of SHA-256 over the normalized text: short enough to index, collisions negligible. */
  public static String fingerprint(String normalized) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(normalized.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
