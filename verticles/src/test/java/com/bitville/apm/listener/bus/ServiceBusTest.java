package com.bitville.apm.listener.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.storage.api.RecordStore.StoreRequest;
import com.bitville.apm.listener.storage.api.StorageError;
import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.shared.model.IngestRecord;
import com.bitville.apm.shared.model.RecordKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ServiceBusTest {

  @ServiceAddress("bitville.test.echo.v1")
  interface Echo {

    Future<Reply> echo(Request request);

    Future<Long> count();

    Future<Void> refuse(Request request);

    default Future<String> greeting(String name) {
      return echo(new Request(name, 0, null, List.of(), null, RecordKind.PHP)).map(Reply::text);
    }
  }

  record Part(String name, Double value) {
  }

  record Request(String text, long number, byte[] bytes, List<Part> parts, JsonObject extra, RecordKind kind) {
  }

  record Reply(String text, Request original) {
  }

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    Await.result(vertx.close());
  }

  private static final class EchoService implements Echo {

    @Override
    public Future<Reply> echo(Request request) {
      return Future.succeededFuture(new Reply("hello " + request.text(), request));
    }

    @Override
    public Future<Long> count() {
      return Future.succeededFuture(42L);
    }

    @Override
    public Future<Void> refuse(Request request) {
      throw new IllegalArgumentException("no " + request.text());
    }
  }

  private Echo bound() {
    ServiceBus.bind(vertx, Echo.class, new EchoService(), 100,
        cause -> new ServiceError(cause instanceof IllegalArgumentException ? 400 : 500, cause.getMessage()));
    return ServiceBus.client(vertx, Echo.class, 10_000);
  }

  @Test
  @DisplayName("A call through the client reaches the implementation and answers its record, untouched locally")
  void localCall() throws Exception {
    Echo echo = bound();
    Request request = new Request("x", 7, new byte[] {1, 2}, List.of(new Part("p", 1.5)), new JsonObject(),
        RecordKind.POSTGRES);
    Reply reply = Await.result(echo.echo(request));
    assertEquals("hello x", reply.text());
    assertSame(request, reply.original(), "inside one JVM the record is delivered as it is");
    assertEquals(42L, Await.result(echo.count()));
    assertEquals("hello you", Await.result(echo.greeting("you")));
  }

  @Test
  @DisplayName("A failure of the implementation reaches the caller with the code the binding chose")
  void failure() {
    Echo echo = bound();
    ExecutionException failure = assertThrows(ExecutionException.class,
        () -> Await.result(echo.refuse(new Request("way", 0, null, null, null, null))));
    StorageError error = StorageError.of(failure.getCause());
    assertTrue(error.callerBug(), error.toString());
    assertFalse(error.overloaded());
  }

  @Test
  @DisplayName("Nobody bound: the call fails as no_handlers, which callers treat as storage overloaded")
  void unbound() {
    Echo echo = ServiceBus.client(vertx, Echo.class, 10_000);
    ExecutionException failure = assertThrows(ExecutionException.class, () -> Await.result(echo.count()));
    StorageError error = StorageError.of(failure.getCause());
    assertEquals("no_handlers", error.reason());
    assertTrue(error.overloaded());
  }

  @Test
  @DisplayName("Across the cluster a record travels as JSON and comes back equal, nested records and bytes too")
  void wireRoundTrip() {
    RecordCodec codec = new RecordCodec();
    IngestRecord record = new IngestRecord("shop", RecordKind.PHP, "php-agent", "c-1", 1_000L, 1_001L, false,
        12.5, "/r", "/r?x", "GET", 200, "web-1", 3, 1.25, 1024L, true, "summary", new byte[] {9, 8, 7},
        List.of("c-1", "c-2"));
    Buffer wire = Buffer.buffer().appendString("ignored");
    codec.encodeToWire(wire, new StoreRequest(List.of(record)));
    StoreRequest back = (StoreRequest) codec.decodeFromWire("ignored".length(), wire);
    IngestRecord copy = back.records().get(0);
    assertArrayEquals(record.payload(), copy.payload());
    assertEquals(record.toJson(), copy.toJson());

    Buffer nulls = Buffer.buffer();
    codec.encodeToWire(nulls, new Request(null, 3, null, null, null, null));
    Request decoded = (Request) codec.decodeFromWire(0, nulls);
    assertNull(decoded.text());
    assertEquals(3, decoded.number());
  }

  @Test
  @DisplayName("Only this application's records are decoded from the wire")
  void foreignClassRefused() {
    Buffer wire = Buffer.buffer();
    byte[] type = "java.lang.Runtime".getBytes();
    wire.appendInt(type.length).appendBytes(type).appendInt(2).appendString("{}");
    assertThrows(IllegalArgumentException.class, () -> new RecordCodec().decodeFromWire(0, wire));
  }
}
