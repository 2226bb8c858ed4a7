package com.bitville.apm.listener.query;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;

/**
 * bcrypt (at.favre.lib:bcrypt): a small, dependency-light, maintained implementation that handles the $2a/$2b/
 * $2y variants and long passwords explicitly. Verification is CPU-heavy by design: call it off the event loop.
 */
public final class Passwords {

  public static final int DEFAULT_COST = 12;
  /** A valid hash of a random password, verified for unknown users so that timing does not reveal names. */
  private static final String DUMMY_HASH = BCrypt.withDefaults().hashToString(10, "not-a-user".toCharArray());

  private Passwords() {
  }

  public static String hash(char[] password, int cost) {
    return BCrypt.withDefaults().hashToString(cost, password);
  }

  /** Constant-work check; a null hash (unknown user) still costs one verification. */
  public static boolean verify(String password, String hash) {
    byte[] plain = password.getBytes(StandardCharsets.UTF_8);
    if (plain.length > 72) {
      return false;
    }
    boolean known = hash != null;
    boolean ok = BCrypt.verifyer().verify(plain, (known ? hash : DUMMY_HASH).getBytes(StandardCharsets.UTF_8))
        .verified;
    return known && ok;
  }
}
