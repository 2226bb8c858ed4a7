package com.bitville.apm.listener.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Seeded, bounded fuzzing of the ingest and query endpoints: every answer must be one the docs list for that
 * endpoint, a JSON error without internals for every refusal, never a 500; a 200 from ingest stores exactly
 * what it says, a refusal stores nothing. The seed is printed, so a failure is reproduced by running again.
 */
@DisplayName("Fuzz: hostile ingest bodies and query parameters get documented answers, never a 500 or internals")
class EndpointFuzzTest {

  private static final long SEED = Long.getLong("bitville.fuzz.seed", 20_261_130L);
  private static final int INGEST_CASES = 1_500;
  private static final int QUERY_CASES = 1_500;
  /** Vert.x's default maximum request line, answered 414 without a body by the HTTP layer itself. */
  private static final int MAX_REQUEST_LINE = 4_000;
  private static final Set<Integer> INGEST_ANSWERS = Set.of(200, 400, 404, 405, 413, 415);
  private static final Set<Integer> QUERY_ANSWERS = Set.of(200, 400, 403, 404);
  private static final List<String> INTERNALS = List.of("Exception", "\tat ", "at com.", "at io.", "org.sqlite",
      "SQLITE", "java.", "jackson", "NullPointer", "stack");

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient ingest;
  private static WebClient query;
  private static String cookie;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start(new JsonObject().put("ingest", new JsonObject().put("maxBodyBytes", 256 * 1024)
        .put("rateLimit", new JsonObject().put("perKeyPerSecond", 1_000_000).put("perClientPerSecond", 1_000_000))));
    vertx = Vertx.vertx();
    ingest = listener.httpsClient(vertx);
    query = listener.queryClient(vertx);
    HttpResponse<Buffer> login = Await.result(query.post("/api/login").putHeader("X-Bitville-Request", "1")
        .sendJsonObject(new JsonObject().put("user", TestListener.ADMIN_USER).put("password",
            TestListener.USER_PASSWORD)));
    assertEquals(200, login.statusCode(), login.bodyAsString());
    String setCookie = login.headers().getAll("Set-Cookie").get(0);
    cookie = setCookie.substring(0, setCookie.indexOf(';'));
    System.out.println("Endpoint fuzz seed: " + SEED + " (-Dbitville.fuzz.seed=N to change it)");
  }

  @AfterAll
  static void stop() throws Exception {
    Await.result(vertx.close());
    listener.close();
  }

  @Test
  @DisplayName("1,500 mutated ingest requests: documented answers; exactly the acknowledged records are stored")
  void ingestFuzz() throws Exception {
    Random random = new Random(SEED);
    long storedBefore = listener.count("SELECT count(*) FROM records");
    long acknowledged = 0;
    int[] byStatus = new int[600];
    for (int i = 0; i < INGEST_CASES; i++) {
      IngestCase fuzzCase = IngestCase.random(random, i);
      HttpResponse<Buffer> response = Await.result(fuzzCase.send(ingest));
      int status = response.statusCode();
      byStatus[status]++;
      String context = "case " + i + " (" + fuzzCase.describe() + "): " + status + " " + response.bodyAsString();
      assertTrue(INGEST_ANSWERS.contains(status), context);
      assertJsonWithoutInternals(response, context);
      if (status == 200) {
        acknowledged += response.bodyAsJsonObject().getJsonArray("ids").size();
      }
    }
    System.out.println("Ingest fuzz answers: " + summary(byStatus));
    assertTrue(byStatus[200] > 0 && byStatus[400] > 0, "the mutations reach both sides: " + summary(byStatus));
    long stored = listener.count("SELECT count(*) FROM records") - storedBefore;
    assertTrue(stored <= acknowledged, stored + " stored, " + acknowledged + " acknowledged");
    assertEquals(200, Await.result(ingest.post("/ingest/php").putHeader("Authorization", "Bearer "
        + TestListener.SHOP_KEY).putHeader("Content-Type", "application/json")
        .sendBuffer(Fixtures.php("wire/slow_get.json"))).statusCode(), "still serving after the fuzz");
  }

  @Test
  @DisplayName("1,500 query requests with hostile parameters: documented answers, JSON errors without internals")
  void queryFuzz() throws Exception {
    Random random = new Random(SEED + 1);
    int[] byStatus = new int[600];
    for (int i = 0; i < QUERY_CASES; i++) {
      String uri = QueryCase.randomUri(random);
      boolean withSession = random.nextInt(20) != 0;
      HttpRequest<Buffer> request = query.request(HttpMethod.GET, uri);
      if (withSession) {
        request.putHeader("Cookie", cookie);
      }
      HttpResponse<Buffer> response = Await.result(request.send());
      int status = response.statusCode();
      byStatus[status]++;
      String context = "case " + i + " GET " + abbreviated(uri) + (withSession ? "" : " (no session)") + ": "
          + status + " " + abbreviated(response.bodyAsString());
      if (uri.length() > MAX_REQUEST_LINE) {
        assertEquals(414, status, "the HTTP layer refuses a request line over 4096 bytes: " + context);
        continue;
      }
      if (!uri.startsWith("/api/")) {
        assertTrue(status == 200 || status == 404 || status == 400, "static files: " + context);
        continue;
      }
      assertTrue(withSession ? QUERY_ANSWERS.contains(status) : status == 401, context);
      assertJsonWithoutInternals(response, context);
    }
    System.out.println("Query fuzz answers: " + summary(byStatus));
    assertTrue(byStatus[200] > 0 && byStatus[400] > 0, summary(byStatus));
  }

  private static void assertJsonWithoutInternals(HttpResponse<Buffer> response, String context) {
    String body = response.bodyAsString();
    assertTrue(String.valueOf(response.getHeader("Content-Type")).startsWith("application/json"), context);
    JsonObject json = new JsonObject(body);
    if (response.statusCode() >= 400) {
      assertTrue(json.getValue("error") instanceof String, context);
      for (String internal : INTERNALS) {
        assertTrue(!json.getString("message", "").contains(internal), "internals in " + context);
      }
    }
  }

  private static String summary(int[] byStatus) {
    StringBuilder text = new StringBuilder();
    for (int status = 0; status < byStatus.length; status++) {
      if (byStatus[status] > 0) {
        text.append(status).append('x').append(byStatus[status]).append(' ');
      }
    }
    return text.toString().trim();
  }

  private static String abbreviated(String text) {
    return text == null ? "(no body)" : text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }

  /** One ingest request: a path, headers and a body derived from a real payload by a random mutation. */
  private record IngestCase(String path, String contentType, boolean gzip, byte[] body, String mutation) {

    private static final String[] PATHS = {"/ingest/php", "/ingest/php", "/ingest/php", "/api/profiling",
        "/ingest/postgres", "/ingest/postgres", "/ingest/other"};
    private static final String[] TYPES = {"application/json", "application/json", "application/json",
        "application/x-ndjson", "application/json; charset=utf-8", "text/plain", null, "application/xml"};
    private static final String[] FIELDS = {"correlation_id", "elapsed_ms", "timestamp", "request", "sql",
        "xhprof", "timing", "server", "fatal_error", "source", "data", "project", "status"};

    static IngestCase random(Random random, int index) {
      String path = PATHS[random.nextInt(PATHS.length)];
      boolean postgres = path.equals("/ingest/postgres");
      JsonObject base = postgres ? new JsonObject(Fixtures.pg("pg_stat_activity.json"))
          : Fixtures.phpJson(Fixtures.PHP_WIRE.get(random.nextInt(Fixtures.PHP_WIRE.size())));
      base.put("correlation_id", new java.util.UUID(SEED, index).toString());
      if (postgres) {
        base.put("timestamp", System.currentTimeMillis() / 1000.0);
      }
      int kind = random.nextInt(12);
      String mutation;
      byte[] body;
      switch (kind) {
        case 0 -> {
          mutation = "valid";
          body = base.toBuffer().getBytes();
        }
        case 1 -> {
          String field = FIELDS[random.nextInt(FIELDS.length)];
          mutation = "field " + field + " replaced";
          body = base.put(field, randomValue(random, 0)).toBuffer().getBytes();
        }
        case 2 -> {
          String field = FIELDS[random.nextInt(FIELDS.length)];
          mutation = "field " + field + " removed";
          base.remove(field);
          body = base.toBuffer().getBytes();
        }
        case 3 -> {
          mutation = "bytes flipped";
          body = flip(random, base.toBuffer().getBytes(), 1 + random.nextInt(8));
        }
        case 4 -> {
          mutation = "truncated";
          byte[] whole = base.toBuffer().getBytes();
          body = java.util.Arrays.copyOf(whole, random.nextInt(whole.length));
        }
        case 5 -> {
          mutation = "array of mixed items";
          JsonArray items = new JsonArray();
          for (int i = random.nextInt(5); i >= 0; i--) {
            items.add(random.nextBoolean() ? base.copy().put("correlation_id", java.util.UUID.randomUUID().toString())
                : randomValue(random, 0));
          }
          body = items.toBuffer().getBytes();
        }
        case 6 -> {
          mutation = "deep nesting";
          int depth = 50 + random.nextInt(2_000);
          body = ("{\"correlation_id\":\"x\",\"elapsed_ms\":1,\"custom\":" + "[".repeat(depth) + "]".repeat(depth)
              + "}").getBytes(StandardCharsets.UTF_8);
        }
        case 7 -> {
          mutation = "long number";
          body = ("{\"correlation_id\":\"x\",\"elapsed_ms\":" + "7".repeat(1 + random.nextInt(5_000)) + "}")
              .getBytes(StandardCharsets.UTF_8);
        }
        case 8 -> {
          mutation = "random bytes";
          body = new byte[random.nextInt(2_000)];
          random.nextBytes(body);
        }
        case 9 -> {
          mutation = "invalid UTF-8 in a string";
          byte[] valid = base.put("url", "/x-MARK").toBuffer().getBytes();
          body = new String(valid, StandardCharsets.ISO_8859_1).replace("MARK", new String(new byte[] {
              (byte) (0x80 + random.nextInt(128)), (byte) random.nextInt(256)}, StandardCharsets.ISO_8859_1))
              .getBytes(StandardCharsets.ISO_8859_1);
        }
        case 10 -> {
          mutation = "NDJSON lines";
          StringBuilder lines = new StringBuilder();
          for (int i = random.nextInt(4); i >= 0; i--) {
            lines.append(random.nextBoolean() ? base.copy().put("correlation_id",
                java.util.UUID.randomUUID().toString()).encode() : String.valueOf(randomValue(random, 1))).append('\n');
          }
          body = lines.toString().getBytes(StandardCharsets.UTF_8);
        }
        default -> {
          mutation = "empty or blank";
          body = new String[] {"", " ", "[]", "{}", "null", "\n\n", "[[]]", "[{}]"}[random.nextInt(8)]
              .getBytes(StandardCharsets.UTF_8);
        }
      }
      String type = kind == 10 ? "application/x-ndjson" : TYPES[random.nextInt(TYPES.length)];
      boolean gzip = random.nextInt(8) == 0;
      return new IngestCase(path, type, gzip, body, mutation);
    }

    io.vertx.core.Future<HttpResponse<Buffer>> send(WebClient client) throws Exception {
      HttpRequest<Buffer> request = client.post(path).putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY);
      if (contentType != null) {
        request.putHeader("Content-Type", contentType);
      }
      byte[] payload = body;
      if (gzip) {
        request.putHeader("Content-Encoding", "gzip");
        payload = gzip(body);
      }
      return request.sendBuffer(Buffer.buffer(payload));
    }

    String describe() {
      return "POST " + path + ", " + mutation + ", " + contentType + (gzip ? ", gzip" : "") + ", " + body.length
          + " bytes";
    }

    private static byte[] flip(Random random, byte[] bytes, int count) {
      byte[] copy = bytes.clone();
      for (int i = 0; i < count && copy.length > 0; i++) {
        copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
      }
      return copy;
    }

    private static byte[] gzip(byte[] data) throws Exception {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
        out.write(data);
      }
      return bytes.toByteArray();
    }
  }

  /** Hostile JSON values: wrong types, extremes, long and odd strings, small nested structures. */
  static Object randomValue(Random random, int depth) {
    return switch (random.nextInt(depth > 2 ? 9 : 11)) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong();
      case 3 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20) * (random.nextBoolean() ? 1 : -1);
      case 4 -> "";
      case 5 -> "x".repeat(random.nextInt(10_000));
      case 6 -> "\u0000\u202e<script>alert(1)</script>' OR 1=1 -- \uD83D\uDE00";
      case 7 -> 0;
      case 8 -> "/orders/" + random.nextInt();
      case 9 -> {
        JsonObject object = new JsonObject();
        for (int i = random.nextInt(4); i > 0; i--) {
          object.put("k" + random.nextInt(100), randomValue(random, depth + 1));
        }
        yield object;
      }
      default -> {
        JsonArray array = new JsonArray();
        for (int i = random.nextInt(4); i > 0; i--) {
          array.add(randomValue(random, depth + 1));
        }
        yield array;
      }
    };
  }

  /** Query URIs: real endpoints with random, repeated, out-of-range and hostile parameters. */
  private static final class QueryCase {

    private static final String[] ENDPOINTS = {"/api/requests", "/api/requests", "/api/requests", "/api/routes",
        "/api/requests/{id}", "/api/requests/{id}/comparison", "/api/correlation/{text}", "/api/routes/{text}/histogram",
        "/api/database/{kind}", "/api/overview", "/api/spikes", "/api/analysis", "/api/flamegraph", "/api/projects",
        "/api/me", "/api/live/missed", "/api/{text}", "/{text}"};
    private static final String[] PARAMS = {"project", "from", "to", "route", "url", "method", "status", "host",
        "min_duration", "max_duration", "correlation_id", "fatal", "sort", "order", "limit", "cursor", "window",
        "bucket", "kind", "id", "at", "q", "after_id", "nope"};
    private static final String[] KINDS = {"sessions", "locks", "statements", "logs", "metrics", "pg_locks", "x"};

    static String randomUri(Random random) {
      String path = ENDPOINTS[random.nextInt(ENDPOINTS.length)]
          .replace("{id}", randomId(random))
          .replace("{kind}", KINDS[random.nextInt(KINDS.length)])
          .replace("{text}", encode(randomText(random)));
      List<String> params = new ArrayList<>();
      for (int i = random.nextInt(5); i > 0; i--) {
        params.add(PARAMS[random.nextInt(PARAMS.length)] + "=" + encode(randomParamValue(random)));
      }
      return params.isEmpty() ? path : path + "?" + String.join("&", params);
    }

    private static String randomId(Random random) {
      return switch (random.nextInt(5)) {
        case 0 -> String.valueOf(1 + random.nextInt(50));
        case 1 -> String.valueOf(random.nextLong());
        case 2 -> "-1";
        case 3 -> "99999999999999999999999";
        default -> encode(randomText(random));
      };
    }

    private static String randomParamValue(Random random) {
      return switch (random.nextInt(10)) {
        case 0 -> String.valueOf(random.nextInt(1000) - 100);
        case 1 -> String.valueOf(random.nextLong());
        case 2 -> "2026-11-" + (10 + random.nextInt(30)) + "T18:00:00Z";
        case 3 -> "shop";
        case 4 -> "other";
        case 5 -> new String[] {"time", "duration", "asc", "desc", "5xx", "400-499", "true", "false"}[random.nextInt(8)];
        case 6 -> "eyJ2IjoxLCJpZCI6MSwicyI6InRpbWUiLCJvIjoiZGVzYyJ9";
        default -> randomText(random);
      };
    }

    private static String randomText(Random random) {
      return switch (random.nextInt(6)) {
        case 0 -> "";
        case 1 -> "' OR 1=1 --";
        case 2 -> "../../etc/passwd";
        case 3 -> "x".repeat(random.nextInt(3_000));
        case 4 -> "%00\u202e<b>\uD83D\uDE00";
        default -> Long.toString(random.nextLong(), 36);
      };
    }

    private static String encode(String text) {
      return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
  }
}
