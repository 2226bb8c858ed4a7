package com.bitville.apm.listener.testsupport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The real agent payloads (copied from the PHP agent and pg-agent captures into test resources). */
public final class Fixtures {

  public static final List<String> PHP_WIRE = List.of("wire/slow_get.json", "wire/slow_post.json", "wire/fatal.json",
      "wire/nosql_noxhprof.json");
  public static final List<String> PG_SINGLE = List.of("pg_stat_activity.json", "pg_stat_statements.json",
      "pg_locks.json", "pg_log.json", "system_metrics.json");
  public static final String SLOW_GET_CORRELATION = "9435d029-36ef-4428-bd21-926ec3e9fd81";
  public static final String SLOW_POST_CORRELATION = "46a4a588-fb35-47dc-9a97-5bac8b37f811";

  private Fixtures() {
  }

  public static Buffer php(String name) {
    return read("fixtures/php-agent/" + name);
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
