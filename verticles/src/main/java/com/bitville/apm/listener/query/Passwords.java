package com.bitville.apm.listener.query;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * bcrypt (at.favre.lib:bcrypt): a small, dependency-light, maintained implementation that handles the $2a/$2b/
 * $2y variants and long passwords explicitly. Verification is CPU-heavy by design: call it off the event loop.
 */
public final class Passwords {

  public static final int DEFAULT_COST = 12;
  /** Valid hashes of a random password by cost, verified for unknown users so that timing reveals no names. */
  private static final Map<Integer, String> DUMMY_HASHES = new ConcurrentHashMap<>();

  private Passwords() {
  }

  public static String hash(char[] password, int cost) {
    return BCrypt.withDefaults().hashToString(cost, password);
  }

  /** {@link #verify(String, String, int)} with unknown users checked at the default cost. */
  public static boolean verify(String password, String hash) {
    return verify(password, hash, DEFAULT_COST);
  }

  /**
   * Constant-work check; a null hash (unknown user) still costs one verification at {@code unknownUserCost},
   * which the caller sets to the configured users' cost so that both take the same time.
   */
  public static boolean verify(String password, String hash, int unknownUserCost) {
    byte[] plain = password.getBytes(StandardCharsets.UTF_8);
    if (plain.length > 72) {
      return false;
    }
    boolean known = hash != null;
    String checked = known ? hash : dummyHash(unknownUserCost);
    boolean ok = BCrypt.verifyer().verify(plain, checked.getBytes(StandardCharsets.UTF_8)).verified;
    return known && ok;
  }

  /** A hash of a password nobody knows, made once per cost (blocking: off the event loop). */
  static String dummyHash(int cost) {
    return DUMMY_HASHES.computeIfAbsent(cost, c -> hash("not-a-user".toCharArray(), c));
  }

  /** The cost factor of a bcrypt hash ({@code $2a$12$...}), or the default when it cannot be read. */
  public static int costOf(String hash) {
    try {
      return Integer.parseInt(hash.substring(4, 6));
    } catch (RuntimeException e) {
      return DEFAULT_COST;
    }
  }
}
