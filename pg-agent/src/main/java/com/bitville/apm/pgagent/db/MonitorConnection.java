package com.bitville.apm.pgagent.db;

import com.bitville.apm.pgagent.config.AgentConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's only database session. Every safety limit is set as a startup parameter so it holds for every
 * statement, including ones a future collector forgets to guard: statement_timeout, lock_timeout,
 * idle_in_transaction_session_timeout and default_transaction_read_only. While the server is unreachable the
 * next attempt waits with exponential backoff instead of hammering a struggling server with logins.
 */
public final class MonitorConnection {

  private static final Logger LOG = LoggerFactory.getLogger(MonitorConnection.class);

  private final Vertx vertx;
  private final AgentConfig.Database config;
  private PgConnection connection;
  private Future<PgConnection> opening;
  private long nextAttemptAtMs;
  private long backoffMs;
  private int serverVersionNum;
  private int opened;
  private String lastError = "";
  private long unavailableSinceMs;
  private String firstReason;
  private Outage endedOutage;

  public MonitorConnection(Vertx vertx, AgentConfig.Database config) {
    this.vertx = vertx;
    this.config = config;
    this.backoffMs = config.backoffInitialMs();
  }

  /** Runs one read-only statement; fails fast (without connecting) while backing off after a failure. */
  public Future<RowSet<Row>> query(String sql, Tuple params) {
    return bounded(acquire().compose(c -> c.preparedQuery(sql).execute(params)));
  }

  /** Same as {@link #query(String, Tuple)} with the simple protocol, for statements without parameters. */
  public Future<RowSet<Row>> query(String sql) {
    return bounded(acquire().compose(c -> c.query(sql).execute()));
  }

  /**
   * statement_timeout bounds the work on the server, but not a frozen server or network; this client-side bound
   * does, and its expiry drops the session (a new one is opened after backoff) so samples cannot hang forever.
   */
  private Future<RowSet<Row>> bounded(Future<RowSet<Row>> query) {
    return query.timeout(config.statementTimeoutMs() + config.connectTimeoutMs(), TimeUnit.MILLISECONDS)
        .onFailure(this::dropIfBroken);
  }

  public boolean isConnected() {
    return connection != null;
  }

  /** {@code server_version_num} of the connected server, e.g. 150004; 0 before the first connection. */
  public int serverVersionNum() {
    return serverVersionNum;
  }

  /** How many sessions this object ever opened (reconnects after failures count). */
  public int openedCount() {
    return opened;
  }

  public String lastError() {
    return lastError;
  }

  /** A time the database could not be reached: from the first failure to the next successful connection. */
  public record Outage(long fromMs, long toMs, String reason) {
  }

  /** When the current outage began (0 while connected or never tried). */
  public long unavailableSinceMs() {
    return unavailableSinceMs;
  }

  /** The outage that ended with the last reconnect, once (null when none ended since the last call). */
  public Outage takeEndedOutage() {
    Outage ended = endedOutage;
    endedOutage = null;
    return ended;
  }

  public Future<Void> close() {
    PgConnection current = connection;
    connection = null;
    return current == null ? Future.succeededFuture() : current.close();
  }

  private Future<PgConnection> acquire() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    if (opening != null) {
      return opening;
    }
    long waitMs = nextAttemptAtMs - System.currentTimeMillis();
    if (waitMs > 0) {
      return Future.failedFuture(new DatabaseUnavailableException("database down, next attempt in " + waitMs
          + " ms: " + lastError));
    }
    opening = open().andThen(result -> opening = null);
    return opening;
  }

  /**
   * Opens the session. Package-visible for the guard test: a second call while one session is open or being
   * opened is refused, so no code path can ever hold two sessions on the monitored server.
   */
  Future<PgConnection> open() {
    if (connection != null || opening != null) {
      return Future.failedFuture(new IllegalStateException("refusing to open a second database connection"));
    }
    Future<PgConnection> attempt = PgConnection.connect(vertx, connectOptions());
    Future<PgConnection> bounded = attempt.timeout(config.connectTimeoutMs(), TimeUnit.MILLISECONDS);
    // A connect that completes after the timeout must not linger as an invisible second session.
    bounded.onFailure(e -> attempt.onSuccess(PgConnection::close));
    return bounded
        .compose(this::readServerVersion)
        .onSuccess(this::adopt)
        .onFailure(this::scheduleRetry);
  }

  private Future<PgConnection> readServerVersion(PgConnection c) {
    return c.query("SHOW server_version_num").execute()
        .map(rows -> {
          serverVersionNum = Integer.parseInt(rows.iterator().next().getString(0));
          return c;
        })
        .recover(e -> c.close().transform(ignored -> Future.failedFuture(e)));
  }

  private void adopt(PgConnection c) {
    connection = c;
    opened++;
    backoffMs = config.backoffInitialMs();
    if (unavailableSinceMs > 0) {
      endedOutage = new Outage(unavailableSinceMs, System.currentTimeMillis(), firstReason);
      unavailableSinceMs = 0;
    }
    lastError = "";
    // a server shutdown arrives as an exception then a close; the close handler does the bookkeeping
    c.exceptionHandler(e -> LOG.debug("database session error: {}", e.getMessage()));
    c.closeHandler(v -> {
      if (connection == c) {
        connection = null;
        scheduleRetry(new DatabaseUnavailableException("connection closed by server"));
      }
    });
    LOG.info("connected to PostgreSQL {}:{} (server_version_num {}) as {}", config.host(), config.port(),
        serverVersionNum, config.user());
  }

  private void scheduleRetry(Throwable cause) {
    lastError = cause instanceof TimeoutException ? "connect timeout after " + config.connectTimeoutMs() + " ms"
        : String.valueOf(cause.getMessage());
    nextAttemptAtMs = System.currentTimeMillis() + backoffMs;
    if (unavailableSinceMs == 0) {
      unavailableSinceMs = System.currentTimeMillis();
      firstReason = lastError;
    }
    LOG.warn("database unavailable ({}); next connection attempt in {} ms", lastError, backoffMs);
    backoffMs = Math.min(backoffMs * 2, config.backoffMaxMs());
  }

  /** A server error (timeout, permission) leaves the session usable; anything else means it is gone. */
  private void dropIfBroken(Throwable failure) {
    if (failure instanceof PgException || failure instanceof DatabaseUnavailableException || connection == null) {
      return;
    }
    PgConnection broken = connection;
    connection = null;
    broken.close();
    scheduleRetry(failure);
  }

  private PgConnectOptions connectOptions() {
    return new PgConnectOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setDatabase(config.name())
        .setUser(config.user())
        .setPassword(config.password())
        .setReconnectAttempts(0)
        .setCachePreparedStatements(true)
        .setProperties(Map.of(
            "application_name", config.applicationName(),
            "statement_timeout", String.valueOf(config.statementTimeoutMs()),
            "lock_timeout", String.valueOf(config.lockTimeoutMs()),
            "idle_in_transaction_session_timeout", String.valueOf(config.idleInTransactionTimeoutMs()),
            "default_transaction_read_only", "on"));
  }
}
