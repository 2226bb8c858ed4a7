package com.bitville.apm.listener.testsupport;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The listener as a separate OS process (the real launcher), for crash and signal tests. */
public final class ListenerProcess implements AutoCloseable {

  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final CountDownLatch ready = new CountDownLatch(1);

  private ListenerProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::readOutput, "listener-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static ListenerProcess start(JsonObject config, Path configFile) throws Exception {
    return start(config, configFile, "512m");
  }

  /** @param heap the maximum heap of the listener process ({@code -Xmx}), e.g. {@code "256m"} */
  public static ListenerProcess start(JsonObject config, Path configFile, String heap) throws Exception {
    Files.writeString(configFile, config.encodePrettily());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
        "com.bitville.apm.listener.launcher.Main", "--conf", configFile.toString()))
        .redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("BITVILLE") || name.startsWith("GRAYLOG"));
    ListenerProcess listener = new ListenerProcess(builder.start());
    long deadline = System.currentTimeMillis() + 90_000;
    while (!listener.ready.await(500, TimeUnit.MILLISECONDS) && listener.process.isAlive()
        && System.currentTimeMillis() < deadline) {
      // waits for the banner; a process that already ended has failed to start
    }
    if (listener.ready.getCount() > 0) {
      listener.close();
      throw new IllegalStateException("listener process did not become ready:\n" + listener.output);
    }
    return listener;
  }

  private void readOutput() {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        output.append(line).append('\n');
        if (line.contains("listener is ready")) {
          ready.countDown();
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  /**
   * Starts a listener that is expected to refuse to start: waits until the process ends and returns it (call
   * {@link #exitCode()} and {@link #output()}).
   */
  public static ListenerProcess startExpectingFailure(JsonObject config, Path configFile) throws Exception {
    Files.writeString(configFile, config.encodePrettily());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp",
        System.getProperty("java.class.path"), "com.bitville.apm.listener.launcher.Main", "--conf",
        configFile.toString())).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("BITVILLE") || name.startsWith("GRAYLOG"));
    ListenerProcess listener = new ListenerProcess(builder.start());
    if (!listener.process.waitFor(120, TimeUnit.SECONDS)) {
      listener.close();
      throw new IllegalStateException("the listener process did not stop by itself:\n" + listener.output);
    }
    return listener;
  }

  public int exitCode() {
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, no flush, exactly like a crash or the OOM killer. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the process freezes with its sockets and file locks open, like a node cut off or stalled. */
  public void freeze() throws Exception {
    signal("STOP");
  }

  /** SIGCONT: a frozen process runs on, unaware of the time that passed. */
  public void thaw() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** SIGTERM: the graceful path. Returns the exit code. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(45, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() {
    return output.toString();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      // SIGKILL also ends a frozen (SIGSTOPped) process
      kill();
    }
  }
}
