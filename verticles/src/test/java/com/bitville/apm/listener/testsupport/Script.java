package com.bitville.apm.listener.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs one of the project's shell scripts (scripts/NAME) as a separate process, as an operator would. */
public final class Script {

  /** Exit status and everything the script printed (stdout and stderr merged). */
  public record Result(int exitCode, String output) {
  }

  private Script() {
  }

  /** The checkout's scripts directory (tests run in a module directory, one level below it). */
  public static Path path(String name) {
    return Path.of("..", "scripts", name).toAbsolutePath().normalize();
  }

  public static Result run(String name, List<String> args) throws Exception {
    return run(name, args, Map.of());
  }

  public static Result run(String name, List<String> args, Map<String, String> environment) throws Exception {
    return start(name, args, environment).get(180, TimeUnit.SECONDS);
  }

  /** Starts the script without waiting, for runs that must overlap. */
  public static CompletableFuture<Result> start(String name, List<String> args, Map<String, String> environment)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("bash", path(name).toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(key -> key.startsWith("BITVILLE"));
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    return CompletableFuture.supplyAsync(() -> {
      try {
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException("scripts/" + name + " did not finish:\n" + output);
        }
        return new Result(process.exitValue(), output);
      } catch (IOException | InterruptedException e) {
        process.destroyForcibly();
        throw new IllegalStateException(e);
      }
    });
  }
}
