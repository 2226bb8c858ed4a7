package com.bitville.apm.listener.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Keys are compared as SHA-256 digests: fixed length, so the comparison time says nothing about the key. */
public final class ApiKeyHash {

  private ApiKeyHash() {
  }

  public static byte[] of(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
