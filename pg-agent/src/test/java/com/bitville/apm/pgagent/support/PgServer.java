package com.bitville.apm.pgagent.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: initdb into a temp dir (as the postgres OS user when the JVM runs as
 * root), a free port on 127.0.0.1 only, pg_stat_statements preloaded, the logging collector writing stderr, csvlog
 * and (on 15+) jsonlog files. Stopped and deleted by {@link #close()} and, as a safety net, at JVM exit.
 */
public final class PgServer implements AutoCloseable {

  public static final String LINE_PREFIX = "%m [%p] %q%u@%d/%a ";

  private final Path root;
  private final Path data;
  private final Path logDir;
  private final Path bin;
  private final int port;
  private final int majorVersion;
  private final boolean asPostgresUser;
  private final Thread cleanup;

  private PgServer(Path root, Path bin, int port) {
    this.root = root;
    this.data = root.resolve("data");
    this.logDir = root.resolve("log");
    this.bin = bin;
    this.port = port;
    this.majorVersion = Integer.parseInt(bin.getParent().getFileName().toString());
    this.asPostgresUser = "root".equals(System.getProperty("user.name"));
    this.cleanup = new Thread(this::stopQuietlyAndDelete, "pg-test-cleanup");
  }

  public static PgServer start() throws Exception {
    PgServer server = new PgServer(Files.createTempDirectory("pgagent-test-"), newestBin(), freePort());
    Runtime.getRuntime().addShutdownHook(server.cleanup);
    server.initdb();
    server.startServer();
    return server;
  }

  public int port() {
    return port;
  }

  public int majorVersion() {
    return majorVersion;
  }

  public Path logDir() {
    return logDir;
  }

  public Path root() {
    return root;
  }

  public void stopServer() throws Exception {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop"));
  }

  public void startServer() throws Exception {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", root.resolve("startup.log").toString(),
        "-w", "-t", "60", "start"));
  }

  @Override
  public void close() {
    stopQuietlyAndDelete();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }

  private void initdb() throws Exception {
    Files.createDirectories(logDir);
    if (asPostgresUser) {
      run(List.of("chown", "-R", "postgres:postgres", root.toString()), false);
    }
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
        "-E", "UTF8", "--no-sync", "--locale=C"));
    List<String> conf = new ArrayList<>(List.of(
        "port = " + port,
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = '" + root + "'",
        "max_connections = 300",
        "fsync = off",
        "shared_preload_libraries = 'pg_stat_statements'",
        "pg_stat_statements.track = 'all'",
        "logging_collector = on",
        "log_destination = '" + (majorVersion >= 15 ? "stderr,csvlog,jsonlog" : "stderr,csvlog") + "'",
        "log_directory = '" + logDir + "'",
        "log_filename = 'postgresql-%Y-%m-%d_%H%M%S.log'",
        "log_file_mode = 0644",
        "log_rotation_age = 0",
        "log_rotation_size = 0",
        "log_line_prefix = '" + LINE_PREFIX + "'",
        "log_min_duration_statement = 100",
        "log_lock_waits = on",
        "deadlock_timeout = '100ms'",
        "log_statement = 'ddl'",
        "log_checkpoints = on",
        "log_temp_files = 0"));
    Files.write(data.resolve("postgresql.auto.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
  }

  private void run(List<String> command) throws Exception {
    run(command, asPostgresUser);
  }

  private void run(List<String> command, boolean switchUser) throws Exception {
    List<String> full = new ArrayList<>();
    if (switchUser && Files.isExecutable(Path.of("/usr/sbin/runuser"))) {
      full.addAll(List.of("/usr/sbin/runuser", "-u", "postgres", "--"));
      full.addAll(command);
    } else if (switchUser) {
      full.addAll(List.of("su", "postgres", "-s", "/bin/sh", "-c", shellQuoted(command)));
    } else {
      full.addAll(command);
    }
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("command failed: " + full + "\n" + output);
    }
  }

  private static String shellQuoted(List<String> command) {
    StringBuilder line = new StringBuilder();
    for (String part : command) {
      line.append(line.length() == 0 ? "" : " ").append('\'').append(part.replace("'", "'\\''")).append('\'');
    }
    return line.toString();
  }

  private void stopQuietlyAndDelete() {
    try {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        stopServer();
      }
    } catch (Exception e) {
      // best effort: the directory goes anyway
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  /** The newest installed major version, e.g. /usr/lib/postgresql/17/bin. */
  static Path newestBin() throws IOException {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.filter(p -> p.getFileName().toString().matches("\\d+"))
          .filter(p -> Files.isExecutable(p.resolve("bin/initdb")))
          .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())))
          .map(p -> p.resolve("bin"))
          .orElseThrow(() -> new IOException("no PostgreSQL under /usr/lib/postgresql"));
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
