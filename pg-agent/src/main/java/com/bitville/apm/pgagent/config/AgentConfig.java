package com.bitville.apm.pgagent.config;

import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The validated, typed configuration. Each section is a record with documented defaults in
 * {@code pg-agent-defaults.json}; {@link #from} rejects every bad value with a message naming its key.
 */
public record AgentConfig(String project, String hostName, Database database, Sessions sessions, Locks locks,
    Statements statements, Logs logs, Host host, Delivery delivery, Health health) {

  public static AgentConfig from(JsonObject json) {
    List<String> problems = new ArrayList<>();
    Check check = new Check(problems);
    AgentConfig config = new AgentConfig(
        check.nonBlank(json, "", "project"),
        hostName(json.getString("host_name")),
        Database.from(json.getJsonObject("database"), check),
        Sessions.from(json.getJsonObject("sessions"), check),
        Locks.from(json.getJsonObject("locks"), check),
        Statements.from(json.getJsonObject("statements"), check),
        Logs.from(json.getJsonObject("logs"), check),
        Host.from(json.getJsonObject("host"), check),
        Delivery.from(json.getJsonObject("delivery"), check),
        Health.from(json.getJsonObject("health"), check));
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return config;
  }

  private static String hostName(String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }

  /** The monitored server and the limits of the agent's single session on it. */
  public record Database(String host, int port, String name, String user, String password, String applicationName,
      long connectTimeoutMs, long statementTimeoutMs, long lockTimeoutMs, long idleInTransactionTimeoutMs,
      long backoffInitialMs, long backoffMaxMs) {

    static Database from(JsonObject j, Check c) {
      return new Database(c.nonBlank(j, "database", "host"), c.port(j, "database", "port"),
          c.nonBlank(j, "database", "name"), c.nonBlank(j, "database", "user"), j.getString("password"),
          c.nonBlank(j, "database", "application_name"), c.positive(j, "database", "connect_timeout_ms"),
          c.positive(j, "database", "statement_timeout_ms"), c.positive(j, "database", "lock_timeout_ms"),
          c.positive(j, "database", "idle_in_transaction_timeout_ms"), c.positive(j, "database", "backoff_initial_ms"),
          c.positive(j, "database", "backoff_max_ms"));
    }
  }

  /** pg_stat_activity sampling; switches to {@code busyIntervalMs} while the server is busy. */
  public record Sessions(boolean enabled, long intervalMs, long busyIntervalMs, long busyActiveThreshold,
      long busyWaitingThreshold, long calmSamples, int maxSessions, int queryMaxChars, long pulseIntervalMs) {

    static Sessions from(JsonObject j, Check c) {
      Sessions s = new Sessions(j.getBoolean("enabled"), c.positive(j, "sessions", "interval_ms"),
          c.positive(j, "sessions", "busy_interval_ms"), c.positive(j, "sessions", "busy_active_threshold"),
          c.positive(j, "sessions", "busy_waiting_threshold"), c.positive(j, "sessions", "calm_samples"),
          (int) c.positive(j, "sessions", "max_sessions"), (int) c.positive(j, "sessions", "query_max_chars"),
          c.positive(j, "sessions", "pulse_interval_ms"));
      if (s.busyIntervalMs > s.intervalMs) {
        c.problem("sessions.busy_interval_ms must not exceed sessions.interval_ms");
      }
      return s;
    }
  }

  /** Lock-wait chains from pg_blocking_pids(). */
  public record Locks(boolean enabled, long intervalMs, int maxWaits, int queryMaxChars) {

    static Locks from(JsonObject j, Check c) {
      return new Locks(j.getBoolean("enabled"), c.positive(j, "locks", "interval_ms"),
          (int) c.positive(j, "locks", "max_waits"), (int) c.positive(j, "locks", "query_max_chars"));
    }
  }

  /**
   * pg_stat_statements deltas; query texts of statements not seen before are read in the sample that sends them,
   * or at most every {@code textRefreshMs} when that is above 0.
   */
  public record Statements(boolean enabled, long intervalMs, int maxStatements, int queryMaxChars,
      long textRefreshMs) {

    static Statements from(JsonObject j, Check c) {
      return new Statements(j.getBoolean("enabled"), c.positive(j, "statements", "interval_ms"),
          (int) c.positive(j, "statements", "max_statements"), (int) c.positive(j, "statements", "query_max_chars"),
          c.nonNegative(j, "statements", "text_refresh_ms"));
    }
  }

  /** Server log tailing. Empty directory/formats mean "ask the server" (pg_settings). */
  public record Logs(boolean enabled, String directory, List<String> formats, long intervalMs, boolean startAtEnd,
      int maxEntryBytes, int maxReadBytes, int maxEntriesPerRecord, Path offsetsFile, long settingsCheckMs) {

    private static final Set<String> FORMATS = Set.of("stderr", "csvlog", "jsonlog");

    static Logs from(JsonObject j, Check c) {
      List<String> formats = new ArrayList<>();
      for (Object f : j.getJsonArray("formats")) {
        if (!FORMATS.contains(String.valueOf(f))) {
          c.problem("logs.formats may only contain stderr, csvlog, jsonlog, not '" + f + "'");
        }
        formats.add(String.valueOf(f));
      }
      String startAt = j.getString("start_at");
      if (!startAt.equals("end") && !startAt.equals("beginning")) {
        c.problem("logs.start_at must be 'end' or 'beginning', not '" + startAt + "'");
      }
      return new Logs(j.getBoolean("enabled"), j.getString("directory"), List.copyOf(formats),
          c.positive(j, "logs", "interval_ms"), !"beginning".equals(startAt),
          (int) c.positive(j, "logs", "max_entry_bytes"), (int) c.positive(j, "logs", "max_read_bytes"),
          (int) c.positive(j, "logs", "max_entries_per_record"),
          Path.of(c.nonBlank(j, "logs", "offsets_file")), c.positive(j, "logs", "settings_check_ms"));
    }
  }

  /** Host metrics from /proc; {@code procRoot} is configurable so tests can feed known files. */
  public record Host(boolean enabled, long intervalMs, Path procRoot, List<String> diskPaths) {

    static Host from(JsonObject j, Check c) {
      List<String> paths = new ArrayList<>();
      j.getJsonArray("disk_paths").forEach(p -> paths.add(String.valueOf(p)));
      return new Host(j.getBoolean("enabled"), c.positive(j, "host", "interval_ms"),
          Path.of(c.nonBlank(j, "host", "proc_root")), List.copyOf(paths));
    }
  }

  /** How records reach the listener: HTTPS, pinned or CA-verified, through a durable on-disk queue. */
  public record Delivery(URI url, String apiKey, String pinSha256, Path caFile, boolean verifyHost, boolean gzip,
      Path queueDir, long queueMaxBytes, int batchMaxRecords, int batchMaxBytes, long flushIntervalMs,
      long requestTimeoutMs, long retryInitialMs, long retryMaxMs, int breakerMaxFailures, long breakerResetMs,
      long shutdownDrainMs, long probeIntervalMs) {

    static Delivery from(JsonObject j, Check c) {
      return new Delivery(url(j.getString("url"), c), c.nonBlank(j, "delivery", "api_key"),
          pin(j.getString("pin_sha256"), c), caFile(j.getString("ca_file"), c), j.getBoolean("verify_host"),
          j.getBoolean("gzip"), Path.of(c.nonBlank(j, "delivery", "queue_dir")),
          c.positive(j, "delivery", "queue_max_bytes"), (int) c.positive(j, "delivery", "batch_max_records"),
          (int) c.positive(j, "delivery", "batch_max_bytes"), c.positive(j, "delivery", "flush_interval_ms"),
          c.positive(j, "delivery", "request_timeout_ms"), c.positive(j, "delivery", "retry_initial_ms"),
          c.positive(j, "delivery", "retry_max_ms"), (int) c.positive(j, "delivery", "breaker_max_failures"),
          c.positive(j, "delivery", "breaker_reset_ms"), c.positive(j, "delivery", "shutdown_drain_ms"),
          c.positive(j, "delivery", "probe_interval_ms"));
    }

    private static URI url(String text, Check c) {
      try {
        URI uri = URI.create(text);
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
          c.problem("delivery.url must be an https:// URL with a host, not '" + text + "'");
        }
        return uri;
      } catch (IllegalArgumentException e) {
        c.problem("delivery.url is not a URL: " + e.getMessage());
        return null;
      }
    }

    /** SHA-256 of the listener's DER certificate as 64 hex digits; colons (openssl style) are accepted. */
    private static String pin(String text, Check c) {
      String hex = text.replace(":", "").trim().toLowerCase(java.util.Locale.ROOT);
      if (!hex.isEmpty() && !hex.matches("[0-9a-f]{64}")) {
        c.problem("delivery.pin_sha256 must be 64 hex digits (SHA-256 of the listener certificate)");
      }
      return hex;
    }

    private static Path caFile(String text, Check c) {
      if (text.isBlank()) {
        return null;
      }
      Path path = Path.of(text);
      if (!Files.isReadable(path)) {
        c.problem("delivery.ca_file " + text + " is not a readable file");
      }
      return path;
    }
  }

  /** The local health endpoint, always bound to 127.0.0.1. */
  public record Health(boolean enabled, int port) {

    static Health from(JsonObject j, Check c) {
      return new Health(j.getBoolean("enabled"), c.port(j, "health", "port"));
    }
  }

  /** Collects problems instead of throwing at the first, so one start-up shows them all. */
  static final class Check {
    private final List<String> problems;

    Check(List<String> problems) {
      this.problems = problems;
    }

    void problem(String message) {
      problems.add(message);
    }

    String nonBlank(JsonObject j, String section, String key) {
      String value = j.getString(key);
      if (value == null || value.isBlank()) {
        problem(name(section, key) + " must not be empty");
      }
      return value;
    }

    long positive(JsonObject j, String section, String key) {
      long value = j.getLong(key);
      if (value <= 0) {
        problem(name(section, key) + " must be greater than 0, not " + value);
      }
      return value;
    }

    long nonNegative(JsonObject j, String section, String key) {
      long value = j.getLong(key);
      if (value < 0) {
        problem(name(section, key) + " must be 0 or more, not " + value);
      }
      return value;
    }

    int port(JsonObject j, String section, String key) {
      long value = j.getLong(key);
      if (value < 1 || value > 65535) {
        problem(name(section, key) + " must be a port between 1 and 65535, not " + value);
      }
      return (int) value;
    }

    private static String name(String section, String key) {
      return section.isEmpty() ? key : section + "." + key;
    }
  }
}
