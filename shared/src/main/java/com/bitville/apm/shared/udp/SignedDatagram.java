package com.bitville.apm.shared.udp;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signed UDP datagram of the wire protocol (section 4), shared by every sender and the listener:
 * <pre>BV1 &lt;project&gt; &lt;unix-seconds&gt; &lt;hex HMAC-SHA256(K, "&lt;project&gt; &lt;unix-seconds&gt;\n" + body)&gt;\n&lt;body&gt;</pre>
 *
 * <p><b>The HMAC key K is SHA-256(apiKey)</b>: the 32 raw bytes of the SHA-256 digest of the project's API key
 * (UTF-8), not the key text itself. The listener keeps only those digests (plain keys are hashed on load,
 * {@code keyHashes} are configured as digests), so one rule works for every configured key and the plain
 * key never has to be kept in memory. Consequence: a key's SHA-256 digest is as secret as the key for UDP.
 * Senders that know the plain key call {@link #keyOf(String)} first.
 *
 * <p>Only the JDK is used so that agents and scripts can copy or call this class without dependencies.
 */
public final class SignedDatagram {

  /** Largest UDP payload over IPv4. */
  public static final int MAX_DATAGRAM_BYTES = 65_507;
  public static final String MAGIC = "BV1";
  private static final int MAX_HEADER_BYTES = 256;
  private static final Pattern PROJECT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}");
  private static final Pattern SECONDS = Pattern.compile("\\d{1,12}");
  private static final Pattern HEX_MAC = Pattern.compile("[0-9a-fA-F]{64}");

  /** A datagram whose header parsed: what it claims, the MAC it carries and the body. Not yet verified. */
  public record Parsed(String project, long unixSeconds, byte[] mac, byte[] body) {
  }

  /** Why a datagram could not even be parsed as the signed format. */
  public static final class MalformedException extends Exception {
    public MalformedException(String message) {
      super(message, null, false, false);
    }
  }

  private SignedDatagram() {
  }

  /** K = SHA-256(apiKey as UTF-8): the HMAC key for a plain API key. */
  public static byte[] keyOf(String apiKey) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /** The datagram bytes for {@code body}, signed with K = {@code keyDigest} (see {@link #keyOf(String)}). */
  public static byte[] sign(String project, long unixSeconds, byte[] body, byte[] keyDigest) {
    if (!PROJECT.matcher(project).matches()) {
      throw new IllegalArgumentException("project name must match " + PROJECT.pattern());
    }
    String mac = HexFormat.of().formatHex(mac(keyDigest, project, unixSeconds, body));
    byte[] header = (MAGIC + " " + project + " " + unixSeconds + " " + mac + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] datagram = Arrays.copyOf(header, header.length + body.length);
    System.arraycopy(body, 0, datagram, header.length, body.length);
    return datagram;
  }

  /** True when the datagram starts with the signed format's magic (otherwise it may be legacy raw JSON). */
  public static boolean isSigned(byte[] datagram) {
    return datagram.length >= 4 && datagram[0] == 'B' && datagram[1] == 'V' && datagram[2] == '1'
        && datagram[3] == ' ';
  }

  /** Splits header and body; checks the header's syntax only. */
  public static Parsed parse(byte[] datagram) throws MalformedException {
    int newline = -1;
    for (int i = 0; i < Math.min(datagram.length, MAX_HEADER_BYTES); i++) {
      if (datagram[i] == '\n') {
        newline = i;
        break;
      }
    }
    if (!isSigned(datagram) || newline < 0) {
      throw new MalformedException("no 'BV1 <project> <unix-seconds> <hmac>' header line");
    }
    String[] parts = new String(datagram, 0, newline, StandardCharsets.US_ASCII).split(" ", -1);
    if (parts.length != 4 || !PROJECT.matcher(parts[1]).matches() || !SECONDS.matcher(parts[2]).matches()
        || !HEX_MAC.matcher(parts[3]).matches()) {
      throw new MalformedException("header must be 'BV1 <project> <unix-seconds> <64 hex digits>'");
    }
    byte[] body = Arrays.copyOfRange(datagram, newline + 1, datagram.length);
    return new Parsed(parts[1], Long.parseLong(parts[2]), HexFormat.of().parseHex(parts[3]), body);
  }

  /** Constant-time check of the datagram's MAC against K = {@code keyDigest}. */
  public static boolean verify(Parsed parsed, byte[] keyDigest) {
    return MessageDigest.isEqual(parsed.mac(), mac(keyDigest, parsed.project(), parsed.unixSeconds(), parsed.body()));
  }

  private static byte[] mac(byte[] keyDigest, String project, long unixSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(keyDigest, "HmacSHA256"));
      mac.update((project + " " + unixSeconds + "\n").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
    }
  }
}
