package com.bitville.apm.listener.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** An IPv4 or IPv6 network ({@code 10.0.0.0/8}, {@code ::1/128}, or a bare address). */
public record Cidr(byte[] network, int prefixLength) {

  public static List<Cidr> parseAll(List<String> values, String key) {
    List<Cidr> result = new ArrayList<>();
    for (String value : values) {
      result.add(parse(value, key));
    }
    return result;
  }

  public static Cidr parse(String value, String key) {
    String[] parts = value.trim().split("/", 2);
    if (!parts[0].matches("[0-9a-fA-F:.]+")) {
      throw new ConfigException(key + ": '" + value + "' is not an IP network (e.g. 10.0.0.0/8)");
    }
    byte[] address = addressBytes(parts[0], key, value);
    int max = address.length * 8;
    int prefix = max;
    if (parts.length == 2) {
      try {
        prefix = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > max) {
        throw new ConfigException(key + ": '" + value + "' has an invalid prefix length");
      }
    }
    return new Cidr(address, prefix);
  }

  public boolean contains(String address) {
    if (address == null || !(address.matches("[0-9.]+") || address.matches("\\[?[0-9a-fA-F:.]+(%[A-Za-z0-9]+)?\\]?"))) {
      return false;
    }
    byte[] candidate;
    try {
      candidate = InetAddress.getByName(address.replace("[", "").replace("]", "")).getAddress();
    } catch (UnknownHostException e) {
      return false;
    }
    if (candidate.length != network.length) {
      return false;
    }
    int fullBytes = prefixLength / 8;
    for (int i = 0; i < fullBytes; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int remainingBits = prefixLength % 8;
    if (remainingBits == 0) {
      return true;
    }
    int mask = 0xFF << (8 - remainingBits) & 0xFF;
    return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
  }

  public static boolean anyContains(List<Cidr> networks, String address) {
    for (Cidr network : networks) {
      if (network.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] addressBytes(String text, String key, String value) {
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException(key + ": '" + value + "' is not an IP network (e.g. 10.0.0.0/8)");
    }
  }
}
