package com.bitville.apm.pgagent.logs;

import com.bitville.apm.pgagent.collect.Collector;
import com.bitville.apm.pgagent.collect.EnvelopeFactory;
import com.bitville.apm.pgagent.config.AgentConfig;
import com.bitville.apm.pgagent.db.MonitorConnection;
import com.bitville.apm.shared.pg.PgEnvelope;
import com.bitville.apm.shared.pg.PgSources;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails the server log. Where the files are and how stderr lines look is asked from the server (pg_settings) at start
 * and every {@code settings_check_ms}, so a reloaded server's new destinations are followed without a restart. With several log destinations the richest single format is tailed (jsonlog, then csvlog, then
 * stderr), since the server writes the same entries to each. File work runs on a worker thread.
 */
public final class LogCollector implements Collector {

  private static final Logger LOG = LoggerFactory.getLogger(LogCollector.class);
  private static final String SETTINGS = """
      /* bitville-pg-agent:log-settings */
      SELECT name, setting FROM pg_settings
       WHERE name IN ('log_line_prefix', 'log_destination', 'log_directory', 'data_directory', 'logging_collector',
                    'log_timezone')""";
  private static final int MAX_RECORD_BYTES = 1 << 20;
  private static final Map<String, String> SUFFIXES = Map.of("stderr", ".log", "csvlog", ".csv", "jsonlog", ".json");

  private final Vertx vertx;
  private final MonitorConnection db;
  private final AgentConfig.Logs config;
  private final EnvelopeFactory envelopes;
  private final OffsetStore offsets;
  private List<LogSource> sources = List.of();
  private Plan applied;
  private volatile Plan wanted;
  private long lastSettingsCheckMs;
  private boolean disabledReported;
  private long entriesRead;
  private volatile List<String> directories = List.of();
  private volatile java.time.ZoneId logZone;
  private volatile String problem;

  public LogCollector(Vertx vertx, MonitorConnection db, AgentConfig.Logs config, EnvelopeFactory envelopes) {
    this.vertx = vertx;
    this.db = db;
    this.config = config;
    this.envelopes = envelopes;
    this.offsets = new OffsetStore(config.offsetsFile());
  }

  @Override
  public String name() {
    return "logs";
  }

  @Override
  public long intervalMs() {
    return config.intervalMs();
  }

  /** The data and log directories learned from the server, for disk-space metrics. */
  public List<String> directories() {
    return directories;
  }

  public long entriesRead() {
    return entriesRead;
  }

  @Override
  public Future<List<PgEnvelope>> sample() {
    long now = System.currentTimeMillis();
    boolean checkDue = wanted == null || now - lastSettingsCheckMs >= config.settingsCheckMs();
    if (checkDue) {
      lastSettingsCheckMs = now;
    }
    // while the database is down the log is still read with the settings known: crash and shutdown lines matter most
    Future<Plan> ready = !checkDue ? Future.succeededFuture(wanted) : db.query(SETTINGS).map(this::adopt)
        .recover(e -> wanted != null ? Future.succeededFuture(wanted) : Future.failedFuture(e));
    return ready.compose(plan -> plan.directory() == null ? Future.succeededFuture(List.of())
        : vertx.executeBlocking(this::readNewEntries).map(this::toEnvelopes));
  }

  /** What to tail, derived from the server's settings; a changed plan is applied by the next poll. */
  private record Plan(Path directory, List<String> formats, String prefix) {

    boolean tails(String format, Plan other) {
      return other != null && formats.contains(format) && java.util.Objects.equals(directory, other.directory)
          && (!format.equals("stderr") || prefix.equals(other.prefix));
    }
  }

  private Plan adopt(RowSet<Row> rows) {
    Map<String, String> settings = new HashMap<>();
    rows.forEach(row -> settings.put(row.getString("name"), row.getString("setting")));
    Path directory = directory(settings);
    List<String> known = new ArrayList<>();
    if (settings.get("data_directory") != null) {
      known.add(settings.get("data_directory"));
    }
    if (directory != null) {
      known.add(directory.toString());
    }
    directories = List.copyOf(known);
    logZone = LogTimes.zone(settings.get("log_timezone"));
    List<String> formats = config.formats().isEmpty() ? List.of(bestFormat(settings)) : config.formats();
    Plan plan = new Plan(directory, formats, settings.getOrDefault("log_line_prefix", "%m [%p] "));
    if (directory == null) {
      reportDisabled("log directory unknown: set logs.directory (data_directory is not readable or "
          + "logging_collector is off)");
    }
    if (!plan.equals(wanted)) {
      wanted = plan;
    }
    return wanted;
  }

  /**
   * Worker thread. Sources the new plan no longer tails are read to their end first. A format added while running
   * starts at the end of its file: with several destinations the server writes the same entries to each, so
   * everything up to now came through the old format. A stderr source whose line prefix changed continues at the
   * exact position of the old one.
   */
  private void applyPlan(List<JsonObject> entries) throws IOException {
    Plan next = wanted;
    boolean firstStart = applied == null;
    Map<String, FilePosition> handover = new HashMap<>();
    List<LogSource> kept = new ArrayList<>();
    for (LogSource source : sources) {
      if (next.tails(source.format(), applied)) {
        kept.add(source);
        continue;
      }
      source.poll(entries);
      source.finish(entries);
      if (source.durablePosition() != null) {
        offsets.put(source.format(), source.durablePosition());
        handover.put(source.format(), source.durablePosition());
      }
    }
    if (next.directory() != null) {
      for (String format : next.formats()) {
        if (kept.stream().noneMatch(s -> s.format().equals(format))) {
          FilePosition from = firstStart ? offsets.get(format) : handover.get(format);
          kept.add(source(format, next.directory(), next.prefix(), from, firstStart ? config.startAtEnd() : true));
        }
      }
      LOG.info(firstStart ? "tailing {} log(s) in {}" : "server log settings changed: now tailing {} log(s) in {}",
          next.formats(), next.directory());
    }
    sources = kept;
    applied = next;
  }

  private LogSource source(String format, Path directory, String prefix, FilePosition from, boolean startAtEnd) {
    LogFollower follower = new LogFollower(directory, SUFFIXES.get(format), config.maxReadBytes(), from,
        startAtEnd);
    LogEntryReader reader = switch (format) {
      case "csvlog" -> new CsvEntryReader(config.maxEntryBytes());
      case "jsonlog" -> new JsonEntryReader(config.maxEntryBytes());
      default -> new StderrEntryReader(prefix, config.maxEntryBytes());
    };
    return new LogSource(format, follower, reader);
  }

  private Path directory(Map<String, String> settings) {
    if (!config.directory().isBlank()) {
      return Path.of(config.directory());
    }
    String logDirectory = settings.get("log_directory");
    String dataDirectory = settings.get("data_directory");
    if (logDirectory == null || !"on".equals(settings.get("logging_collector"))) {
      return null;
    }
    Path path = Path.of(logDirectory);
    if (path.isAbsolute()) {
      return path;
    }
    return dataDirectory == null ? null : Path.of(dataDirectory).resolve(path);
  }

  private static String bestFormat(Map<String, String> settings) {
    String destinations = settings.getOrDefault("log_destination", "stderr");
    for (String format : List.of("jsonlog", "csvlog")) {
      if (destinations.contains(format)) {
        return format;
      }
    }
    return "stderr";
  }

  /** Why the log cannot be tailed right now, or null when it can: /health reports it as degraded. */
  public String problem() {
    return problem;
  }

  private void inaccessible(String why) {
    if (!why.equals(problem)) {
      LOG.error("SERVER LOG NOT READABLE, no log entries are sent until this is fixed: {}", why);
    }
    problem = why;
  }

  private void accessible() {
    if (problem != null) {
      LOG.info("server log readable again: tailing resumed");
    }
    problem = null;
  }

  private void reportDisabled(String why) {
    if (!disabledReported) {
      disabledReported = true;
      LOG.warn("server log tailing disabled: {}", why);
    }
  }

  /** Worker thread: reads every source, then persists the positions of what was read. */
  private List<JsonObject> readNewEntries() throws IOException {
    List<JsonObject> entries = new ArrayList<>();
    try {
      if (wanted != applied) {
        applyPlan(entries);
      }
      for (LogSource source : sources) {
        source.poll(entries);
        if (source.durablePosition() != null) {
          offsets.put(source.format(), source.durablePosition());
        }
      }
      accessible();
    } catch (LogAccessException e) {
      inaccessible(e.getMessage());
    } catch (AccessDeniedException e) {
      inaccessible("permission denied reading " + e.getFile() + " as user " + System.getProperty("user.name")
          + " (the agent's user must be in the group of the log files, with log_file_mode = 0640)");
    }
    offsets.saveIfChanged();
    entries.forEach(LogClassifier::classify);
    entries.forEach(this::placeInTime);
    entriesRead += entries.size();
    return entries;
  }

  /** Adds the absolute time, so the listener does not have to guess the server's zone from an abbreviation. */
  private void placeInTime(JsonObject entry) {
    entry.put("timestamp_utc", LogTimes.utc(entry.getString("timestamp"), entry.getString("timezone"), logZone));
  }

  /** Chunks by count and by size, so one record always stays well below the listener's body limit (2 MiB). */
  private List<PgEnvelope> toEnvelopes(List<JsonObject> entries) {
    List<PgEnvelope> result = new ArrayList<>();
    List<JsonObject> chunk = new ArrayList<>();
    int chunkBytes = 0;
    for (JsonObject entry : entries) {
      int size = entry.encode().length();
      boolean full = chunk.size() >= config.maxEntriesPerRecord() || chunkBytes + size > MAX_RECORD_BYTES;
      if (!chunk.isEmpty() && full) {
        result.add(envelopes.envelope(PgSources.LOG, data(chunk)));
        chunk = new ArrayList<>();
        chunkBytes = 0;
      }
      chunk.add(entry);
      chunkBytes += size;
    }
    if (!chunk.isEmpty()) {
      result.add(envelopes.envelope(PgSources.LOG, data(chunk)));
    }
    return result;
  }

  private static JsonObject data(List<JsonObject> chunk) {
    JsonObject levels = new JsonObject();
    JsonObject categories = new JsonObject();
    for (JsonObject entry : chunk) {
      increment(levels, java.util.Objects.requireNonNullElse(entry.getString("level"), "UNKNOWN"));
      increment(categories, entry.getString("category"));
    }
    return new JsonObject().put("entries", new JsonArray(new ArrayList<>(chunk))).put("count", chunk.size())
        .put("levels", levels).put("categories", categories);
  }

  private static void increment(JsonObject counts, String key) {
    counts.put(key, counts.getInteger(key, 0) + 1);
  }
}
