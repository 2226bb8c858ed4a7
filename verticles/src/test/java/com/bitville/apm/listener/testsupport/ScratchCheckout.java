package com.bitville.apm.listener.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A copy of the parts of a checkout that a documented command uses, in a temporary directory, so that the
 * command runs exactly as typed (relative paths, ./data, default certificate) without touching the real
 * checkout. The listener jar and the tools' classpath are stand-ins pointing at this test run's classes: the
 * tests run before Maven packages the jar, and the scripts would otherwise start a nested build.
 */
public final class ScratchCheckout implements AutoCloseable {

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  private final Path root;

  private ScratchCheckout(Path root) {
    this.root = root;
  }

  /** @param paths files relative to the checkout (scripts, conf, fixtures) copied with their permissions */
  public static ScratchCheckout with(String... paths) throws IOException {
    ScratchCheckout checkout = new ScratchCheckout(Files.createTempDirectory("bitville-checkout-"));
    for (String directory : new String[] {"shared", "verticles", "web-ui"}) {
      Files.createDirectories(checkout.root.resolve(directory));
    }
    for (String path : paths) {
      Path target = checkout.root.resolve(path);
      Files.createDirectories(target.getParent());
      Files.copy(REPO.resolve(path), target, StandardCopyOption.COPY_ATTRIBUTES);
    }
    return checkout;
  }

  public Path root() {
    return root;
  }

  /**
   * verticles/target/bitville-listener.jar as scripts/listener expects it (newer than every copied source, so
   * the script does not rebuild), launching this test run's classes.
   */
  public ScratchCheckout withListenerJar() throws IOException {
    launcherJar(root.resolve("verticles/target/bitville-listener.jar"));
    return this;
  }

  /** verticles/target/tools.cp as scripts/_tools.sh writes it (newer than every copied source). */
  public ScratchCheckout withToolsClasspath() throws IOException {
    for (String directory : new String[] {"shared/src", "verticles/src", "web-ui/src"}) {
      Files.createDirectories(root.resolve(directory));
    }
    for (String pom : new String[] {"pom.xml", "shared/pom.xml"}) {
      if (!Files.exists(root.resolve(pom))) {
        Files.writeString(root.resolve(pom), "");
      }
    }
    Path file = root.resolve("verticles/target/tools.cp");
    Files.createDirectories(file.getParent());
    Files.writeString(file, System.getProperty("java.class.path"));
    return this;
  }

  /** A jar with only a manifest: the listener's main class and this test run's classpath. */
  public static Path launcherJar(Path jar) throws IOException {
    Files.createDirectories(jar.getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "com.bitville.apm.listener.launcher.Main");
    StringBuilder classPath = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      classPath.append(Path.of(entry).toAbsolutePath().toUri()).append(' ');
    }
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath.toString().trim());
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.flush();
    }
    return jar;
  }

  @Override
  public void close() throws IOException {
    TestListener.deleteRecursively(root);
  }
}
