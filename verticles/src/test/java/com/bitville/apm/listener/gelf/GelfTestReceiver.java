package com.bitville.apm.listener.gelf;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A GELF TCP input that parses frames the way Graylog's does (NUL delimiting, 2 MiB frame limit, an empty frame
 * closes the connection, required host/short_message), and is stricter where Graylog silently loses data:
 * every such case (boolean/null field, bad field name, {@code _id}, string over the index limit, timestamp not
 * in seconds with decimals, non-integer level) is recorded as a violation, which tests assert to be none.
 */
public final class GelfTestReceiver implements AutoCloseable {

  static final int MAX_FRAME_BYTES = 2 * 1024 * 1024;
  private static final Pattern FIELD = Pattern.compile("^[\\w.\\-]*$");
  private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":\\d{9,10}\\.\\d{1,6}[,}]");
  private static final Set<String> STANDARD = Set.of("version", "host", "short_message", "full_message",
      "timestamp", "level", "facility", "line", "file");
  private static final int MAX_INDEXED_BYTES = 32_766;

  private final Vertx vertx;
  private final List<JsonObject> messages = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final Set<NetSocket> connections = ConcurrentHashMap.newKeySet();
  private final Map<Long, Boolean> seen = new ConcurrentHashMap<>();
  private NetServer server;
  private volatile int connectionsAccepted;

  public GelfTestReceiver(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Binds the port the listener was configured with. Tests pick that port before the listener starts, so a
   * short-lived socket of another process on this busy machine may hold it for a moment: retry for a while.
   */
  public GelfTestReceiver start(int port) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      NetServer candidate = vertx.createNetServer().connectHandler(this::accept);
      try {
        candidate.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server = candidate;
        return this;
      } catch (java.util.concurrent.ExecutionException e) {
        candidate.close();
        boolean portTaken = e.getCause() instanceof java.net.BindException
            || String.valueOf(e.getCause().getMessage()).contains("Address already in use");
        if (!portTaken || System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /** Closes the listening socket and every connection, like a Graylog that goes down. */
  public void stop() throws Exception {
    for (NetSocket socket : connections) {
      socket.close();
    }
    connections.clear();
    if (server != null) {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      server = null;
    }
  }

  private void accept(NetSocket socket) {
    connectionsAccepted++;
    connections.add(socket);
    Buffer[] pending = {Buffer.buffer()};
    socket.closeHandler(v -> connections.remove(socket));
    socket.handler(data -> {
      Buffer buffer = pending[0].appendBuffer(data);
      int start = 0;
      for (int i = 0; i < buffer.length(); i++) {
        if (buffer.getByte(i) == 0) {
          if (i == start) {
            violations.add("empty frame: Graylog closes the connection and loses what follows");
            socket.close();
            return;
          }
          frame(buffer.getBytes(start, i));
          start = i + 1;
        }
      }
      pending[0] = buffer.getBuffer(start, buffer.length());
      if (pending[0].length() >= MAX_FRAME_BYTES) {
        violations.add("frame over 2 MiB: Graylog closes the connection (TooLongFrameException)");
        socket.close();
      }
    });
  }

  private void frame(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    JsonObject message;
    try {
      message = new JsonObject(text);
    } catch (RuntimeException e) {
      violations.add("not a JSON object: " + text.substring(0, Math.min(80, text.length())));
      return;
    }
    List<String> problems = check(message, text);
    if (!problems.isEmpty()) {
      violations.add("record " + message.getValue("_record_id") + ": " + problems);
      if (problems.stream().anyMatch(p -> p.startsWith("rejected"))) {
        return;
      }
    }
    messages.add(message);
    if (message.getValue("_record_id") instanceof Number id) {
      seen.put(id.longValue(), true);
    }
  }

  static List<String> check(JsonObject message, String raw) {
    List<String> problems = new ArrayList<>();
    if (!(message.getValue("host") instanceof String host) || host.isBlank()) {
      problems.add("rejected: host missing, blank or not a string");
    }
    if (!(message.getValue("short_message") instanceof String)) {
      problems.add("rejected: short_message missing or not a string");
    }
    if (!"1.1".equals(message.getValue("version"))) {
      problems.add("version is not \"1.1\"");
    }
    if (!(message.getValue("level") instanceof Integer level) || level < 0 || level > 7) {
      problems.add("level is not an integer 0-7: " + message.getValue("level"));
    }
    if (!TIMESTAMP.matcher(raw).find()) {
      problems.add("timestamp is not seconds with decimals");
    }
    for (Map.Entry<String, Object> field : message) {
      String name = field.getKey();
      Object value = field.getValue();
      if (!name.startsWith("_")) {
        if (!STANDARD.contains(name)) {
          problems.add("unknown standard field " + name);
        }
        continue;
      }
      if (name.equals("_id") || name.startsWith("__") || !FIELD.matcher(name.substring(1)).matches()) {
        problems.add("invalid additional field name " + name);
      }
      if (value == null || value instanceof Boolean) {
        problems.add(name + " is null or boolean: Graylog drops it silently");
      }
      if (value instanceof String text && text.getBytes(StandardCharsets.UTF_8).length > MAX_INDEXED_BYTES) {
        problems.add(name + " is over 32,766 bytes and cannot be indexed");
      }
      if (value instanceof JsonObject || value instanceof io.vertx.core.json.JsonArray) {
        problems.add(name + " is nested: Graylog stores it as text");
      }
    }
    return problems;
  }

  /** A snapshot, in arrival order. */
  public List<JsonObject> messages() {
    synchronized (messages) {
      return new ArrayList<>(messages);
    }
  }

  public List<String> violations() {
    return violations;
  }

  public int distinctRecords() {
    return seen.size();
  }

  public int connectionsAccepted() {
    return connectionsAccepted;
  }

  /** Ids in arrival order. */
  public List<Long> arrivalOrder() {
    List<Long> ids = new ArrayList<>(messages.size());
    messages().forEach(m -> ids.add(m.getLong("_record_id")));
    return ids;
  }

  /** Waits until {@code count} distinct records arrived; false on timeout. */
  public boolean awaitDistinct(int count, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (seen.size() < count && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    return seen.size() >= count;
  }

  /**
   * Waits until {@code count} distinct records arrived, as long as they keep arriving: gives up only when
   * nothing new came for {@code stallMs} (a stuck forwarder), or after {@code capMs} in all. A busy machine
   * slows a replay down; it must not fail a test whose forwarder is still making progress.
   */
  public boolean awaitDistinctWhileProgressing(int count, long stallMs, long capMs) throws InterruptedException {
    long cap = System.currentTimeMillis() + capMs;
    int lastSeen = seen.size();
    long lastProgress = System.currentTimeMillis();
    while (seen.size() < count && System.currentTimeMillis() < cap
        && System.currentTimeMillis() - lastProgress < stallMs) {
      Thread.sleep(20);
      if (seen.size() > lastSeen) {
        lastSeen = seen.size();
        lastProgress = System.currentTimeMillis();
      }
    }
    return seen.size() >= count;
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
