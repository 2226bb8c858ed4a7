package com.bitville.apm.pgagent.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Blocking helpers for test workloads (test threads are not event loops, so waiting is fine there). */
public final class Sql {

  private Sql() {
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("operation failed: " + e, e);
    }
  }

  /** Runs an action on the given context (where the code under test lives) and waits for its result. */
  public static <T> T on(io.vertx.core.Context context, java.util.function.Supplier<Future<T>> action) {
    io.vertx.core.Promise<T> promise = io.vertx.core.Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return await(promise.future());
  }

  /** Like {@link #on} but returns the failure instead of throwing it; null when the action succeeded. */
  public static Throwable failureOn(io.vertx.core.Context context, java.util.function.Supplier<Future<?>> action) {
    io.vertx.core.Promise<Throwable> promise = io.vertx.core.Promise.promise();
    context.runOnContext(v -> action.get().onComplete(r -> promise.complete(r.failed() ? r.cause() : null)));
    return await(promise.future());
  }

  public static PgConnection connect(Vertx vertx, int port, String database, String applicationName) {
    return await(PgConnection.connect(vertx, new PgConnectOptions().setHost("127.0.0.1").setPort(port)
        .setDatabase(database).setUser("postgres").setProperties(Map.of("application_name", applicationName))));
  }

  public static RowSet<Row> run(PgConnection connection, String sql) {
    return await(connection.query(sql).execute());
  }

  /** Runs a statement that must fail (to make the server log an error) and returns the failure. */
  public static Throwable failing(PgConnection connection, String sql) {
    io.vertx.core.Promise<Throwable> promise = io.vertx.core.Promise.promise();
    connection.query(sql).execute().onComplete(r -> promise.complete(r.failed() ? r.cause() : null));
    Throwable failure = await(promise.future());
    if (failure == null) {
      throw new AssertionError("expected to fail: " + sql);
    }
    return failure;
  }

  /** Sends without waiting: for statements that will block on a lock. */
  public static Future<RowSet<Row>> start(PgConnection connection, String sql) {
    return connection.query(sql).execute();
  }

  /** Polls a condition with a bound in time, failing with the message if it never holds. */
  public static void eventually(long timeoutMs, String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what);
  }
}
