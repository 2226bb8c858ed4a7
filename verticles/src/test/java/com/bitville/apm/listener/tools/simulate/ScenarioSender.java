package com.bitville.apm.listener.tools.simulate;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Sends a scenario through the real ingest endpoints ({@code /ingest/php}, {@code /ingest/postgres}) over HTTPS
 * with the project's key, as JSON arrays of at most {@value #MAX_ITEMS} items and about 1 MB, with up to
 * {@value #IN_FLIGHT} bodies in flight. 429 and 503 are retried after {@code Retry-After}; any other non-200
 * answer, or an item the listener rejects, fails the run.
 */
public final class ScenarioSender {

  private static final int MAX_ITEMS = 200;
  private static final int MAX_BYTES = 1_000_000;
  private static final int IN_FLIGHT = 4;
  private static final int MAX_ATTEMPTS = 30;
  private static final long BODY_TIMEOUT_S = 120;

  /** What was sent. */
  public record Totals(long phpPayloads, long pgEnvelopes, long bodies, long retries) {
  }

  private final WebClient client;
  private final String key;
  private long bodies;
  private long retries;

  /** @param client an HTTPS client whose default host and port are the listener's ingest endpoint */
  public ScenarioSender(WebClient client, String key) {
    this.client = client;
    this.key = key;
  }

  /** Generates and sends the whole scenario; blocks the calling thread (never an event loop). */
  public Totals send(Scenario scenario) throws Exception {
    TrafficGenerator generator = new TrafficGenerator(scenario);
    BlockingQueue<Future<Void>> inFlight = new ArrayBlockingQueue<>(IN_FLIGHT);
    long php = 0;
    long pg = 0;
    List<JsonObject> pgPending = new ArrayList<>();
    for (long t = scenario.fromMs(); t < scenario.toMs(); t += Scenario.MINUTE_MS) {
      TrafficGenerator.Minute minute = generator.minute(t);
      php += minute.php().size();
      pg += minute.postgres().size();
      for (Buffer body : chunks(minute.php())) {
        post("/ingest/php", body, inFlight);
      }
      pgPending.addAll(minute.postgres());
      if (pgPending.size() >= MAX_ITEMS) {
        for (Buffer body : chunks(pgPending)) {
          post("/ingest/postgres", body, inFlight);
        }
        pgPending.clear();
      }
    }
    for (Buffer body : chunks(pgPending)) {
      post("/ingest/postgres", body, inFlight);
    }
    while (!inFlight.isEmpty()) {
      await(inFlight.poll());
    }
    return new Totals(php, pg, bodies, retries);
  }

  private void post(String path, Buffer body, BlockingQueue<Future<Void>> inFlight) throws Exception {
    if (inFlight.remainingCapacity() == 0) {
      await(inFlight.poll());
    }
    bodies++;
    inFlight.add(attempt(path, body, 1));
  }

  private static void await(Future<Void> future) throws Exception {
    future.toCompletionStage().toCompletableFuture().get(BODY_TIMEOUT_S * MAX_ATTEMPTS, TimeUnit.SECONDS);
  }

  private Future<Void> attempt(String path, Buffer body, int attempt) {
    return client.post(path).putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json").timeout(BODY_TIMEOUT_S * 1000).sendBuffer(body)
        .compose(response -> outcome(path, body, attempt, response));
  }

  private Future<Void> outcome(String path, Buffer body, int attempt, HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status == 200) {
      JsonObject answer = response.bodyAsJsonObject();
      if (answer.containsKey("rejected")) {
        return Future.failedFuture(path + " rejected items: " + answer.getJsonArray("rejected").encode());
      }
      return Future.succeededFuture();
    }
    if ((status == 429 || status == 503) && attempt < MAX_ATTEMPTS) {
      retries++;
      long waitMs = Math.max(200, 1000L * parseSeconds(response.getHeader("Retry-After")));
      io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
      io.vertx.core.Vertx.currentContext().owner().setTimer(waitMs,
          id -> attempt(path, body, attempt + 1).onComplete(later));
      return later.future();
    }
    return Future.failedFuture(path + " answered " + status + ": " + response.bodyAsString());
  }

  private static long parseSeconds(String header) {
    try {
      return header == null ? 1 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static List<Buffer> chunks(List<JsonObject> items) {
    List<Buffer> bodies = new ArrayList<>();
    JsonArray current = new JsonArray();
    int bytes = 0;
    for (JsonObject item : items) {
      String encoded = item.encode();
      if (!current.isEmpty() && (current.size() >= MAX_ITEMS || bytes + encoded.length() > MAX_BYTES)) {
        bodies.add(current.toBuffer());
        current = new JsonArray();
        bytes = 0;
      }
      current.add(item);
      bytes += encoded.length();
    }
    if (!current.isEmpty()) {
      bodies.add(current.toBuffer());
    }
    return bodies;
  }
}
