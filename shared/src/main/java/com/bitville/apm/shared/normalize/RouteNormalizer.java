package com.bitville.apm.shared.normalize;

import java.util.regex.Pattern;

/**
 * Turns a request URL into a route: the path only (no scheme, host or query string), with the variable
 * segments replaced so that {@code /orders/981245/items} and {@code /orders/17/items} group together.
 */
public final class RouteNormalizer {

  private static final int MAX_ROUTE_CHARS = 512;
  private static final Pattern NUMERIC = Pattern.compile("-?\\d+(\\.\\d+)?");
  private static final Pattern UUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern HEX_TOKEN = Pattern.compile("(?=[0-9a-fA-F]*\\d)[0-9a-fA-F]{8,}");
  private static final Pattern LONG_TOKEN = Pattern.compile("(?=.*\\d)(?=.*[A-Za-z])[A-Za-z0-9_\\-]{24,}");

  private RouteNormalizer() {
  }

  public static String route(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    String path = stripToPath(url.trim());
    StringBuilder route = new StringBuilder();
    for (String segment : path.split("/", -1)) {
      if (route.length() > 0 || path.startsWith("/")) {
        route.append('/');
      }
      route.append(placeholderFor(segment));
    }
    String result = route.toString().replaceFirst("^/+", "/");
    if (result.isEmpty()) {
      result = "/";
    }
    return result.length() > MAX_ROUTE_CHARS ? result.substring(0, MAX_ROUTE_CHARS) : result;
  }

  private static String stripToPath(String url) {
    String rest = url;
    int scheme = rest.indexOf("://");
    if (scheme > 0 && scheme < 10) {
      int slash = rest.indexOf('/', scheme + 3);
      rest = slash < 0 ? "/" : rest.substring(slash);
    }
    int cut = indexOfAny(rest, '?', '#');
    if (cut >= 0) {
      rest = rest.substring(0, cut);
    }
    return rest.isEmpty() ? "/" : rest;
  }

  private static int indexOfAny(String text, char a, char b) {
    int ia = text.indexOf(a);
    int ib = text.indexOf(b);
    if (ia < 0) {
      return ib;
    }
    return ib < 0 ? ia : Math.min(ia, ib);
  }

  private static String placeholderFor(String segment) {
    if (segment.isEmpty()) {
      return segment;
    }
    if (NUMERIC.matcher(segment).matches()) {
      return "{id}";
    }
    if (UUID.matcher(segment).matches()) {
      return "{uuid}";
    }
    if (HEX_TOKEN.matcher(segment).matches()) {
      return "{hex}";
    }
    if (LONG_TOKEN.matcher(segment).matches()) {
      return "{token}";
    }
    return segment;
  }
}
