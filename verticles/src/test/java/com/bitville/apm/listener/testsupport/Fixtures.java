package com.bitville.apm.listener.testsupport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The real agent payloads (copied from the PHP agent and pg-agent captures into test resources). PHP payloads
 * are returned stamped with current times: the captures are from 2026-11-23 and would otherwise be older than
 * the retention period, so a test's records could be deleted while it runs. Every timestamp of the captures is
 * moved by the same whole number of seconds (fixed per JVM), so payloads read twice are byte-identical and
 * keep their order and spacing; only the integer part of each timestamp changes.
 */
public final class Fixtures {

  public static final List<String> PHP_WIRE = List.of("wire/slow_get.json", "wire/slow_post.json", "wire/fatal.json",
      "wire/nosql_noxhprof.json");
  public static final List<String> PG_SINGLE = List.of("pg_stat_activity.json", "pg_stat_statements.json",
      "pg_locks.json", "pg_log.json", "system_metrics.json");
  public static final String SLOW_GET_CORRELATION = "9435d029-36ef-4428-bd21-926ec3e9fd81";
  public static final String SLOW_POST_CORRELATION = "46a4a588-fb35-47dc-9a97-5bac8b37f811";

  private Fixtures() {
  }

  /** The latest timestamp in the PHP captures; stamped, it lands a minute before the tests started. */
  private static final long LATEST_CAPTURE_SECONDS = 1_795_457_879L;
  private static final long SHIFT_SECONDS = System.currentTimeMillis() / 1000 - 60 - LATEST_CAPTURE_SECONDS;
  private static final Pattern CAPTURE_TIMESTAMP = Pattern.compile("(?<![0-9.])(1795\\d{6})(?![0-9])");

  public static Buffer php(String name) {
    return Buffer.buffer(stamped(read("fixtures/php-agent/" + name).toString(StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8.name());
  }

  /**
   * The stamped capture as another request: its correlation id replaced by a fresh one everywhere (the
   * listener stores a request once per correlation id), every other byte as in {@link #php}.
   */
  public static Buffer phpNewRequest(String name) {
    String text = php(name).toString(StandardCharsets.UTF_8);
    String id = new JsonObject(text).getString("correlation_id");
    return Buffer.buffer(text.replace(id, java.util.UUID.randomUUID().toString()), StandardCharsets.UTF_8.name());
  }

  /** The capture exactly as recorded, with its original (old) timestamps. */
  public static Buffer phpAsCaptured(String name) {
    return read("fixtures/php-agent/" + name);
  }

  /** Moves every capture-era Unix timestamp in a text (2026-11-23 +/- a few days) to the present. */
  public static String stamped(String text) {
    return CAPTURE_TIMESTAMP.matcher(text)
        .replaceAll(match -> String.valueOf(Long.parseLong(match.group(1)) + SHIFT_SECONDS));
  }

  /** A time of the capture era in Unix milliseconds, moved like the stamped payloads' timestamps. */
  public static long stampedMillis(long captureMillis) {
    return captureMillis + SHIFT_SECONDS * 1000;
  }

  /** The number of seconds every capture timestamp is moved by. */
  public static long shiftSeconds() {
    return SHIFT_SECONDS;
  }

  public static JsonObject phpJson(String name) {
    return new JsonObject(php(name));
  }

  public static Buffer pg(String name) {
    return read("fixtures/pg-agent/" + name);
  }

  public static Buffer read(String resource) {
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + resource);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
