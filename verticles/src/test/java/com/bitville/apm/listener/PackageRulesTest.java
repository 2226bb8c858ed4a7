package com.bitville.apm.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/architecture.md, read from the production sources: verticle packages import no other
 * verticle package, helper packages import no verticle package, and only the launcher knows every verticle.
 */
class PackageRulesTest {

  private static final Path SOURCES = Path.of("src/main/java/com/bitville/apm/listener");
  private static final Pattern IMPORT = Pattern.compile(
      "^import\\s+(?:static\\s+)?com\\.bitville\\.apm\\.listener\\.([a-z]+)(\\.api)?\\.", Pattern.MULTILINE);
  private static final Pattern IMPORTS_APP = Pattern.compile("from\\s+'(\\./|(\\.\\./)+)app\\.js'");
  private static final Set<String> VERTICLES = Set.of("gelf", "ingest", "management", "query", "retention",
      "rollup", "storage", "udp");

  /** What each package may import besides itself and the {@code shared} module. */
  private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("bus", Set.of()),
      Map.entry("config", Set.of()),
      Map.entry("analysis", Set.of()),
      Map.entry("support", Set.of("config")),
      Map.entry("pipeline", Set.of("config")),
      Map.entry("storage.api", Set.of("bus")),
      Map.entry("storage", Set.of("storage.api", "bus", "config", "support", "analysis")),
      Map.entry("ingest", Set.of("storage.api", "bus", "config", "support", "pipeline")),
      Map.entry("udp", Set.of("storage.api", "bus", "config", "support", "pipeline")),
      Map.entry("query", Set.of("storage.api", "bus", "config", "support", "analysis")),
      Map.entry("retention", Set.of("storage.api", "bus", "config", "support")),
      Map.entry("gelf", Set.of("storage.api", "bus", "config", "support")),
      Map.entry("rollup", Set.of("storage.api", "bus", "config", "support", "analysis")),
      Map.entry("management", Set.of("storage.api", "bus", "config", "support")),
      Map.entry("launcher", Set.of("storage.api", "bus", "config", "support", "gelf", "ingest", "management",
          "query", "retention", "rollup", "storage", "udp")));

  @Test
  @DisplayName("No package imports a package it may not: verticles never import each other, helpers no verticle")
  void importsFollowThePackageRules() throws IOException {
    List<String> violations = new ArrayList<>();
    for (Path file : sources()) {
      String from = packageOf(file);
      Set<String> allowed = ALLOWED.get(from);
      assertTrue(allowed != null, "package " + from + " (" + file + ") has no rule in PackageRulesTest and "
          + "docs/architecture.md: decide what it may import");
      for (String to : importedPackages(file)) {
        if (!to.equals(from) && !allowed.contains(to)) {
          violations.add(SOURCES.relativize(file) + " imports listener." + to);
        }
      }
    }
    assertEquals(List.of(), violations, "forbidden imports");
  }

  @Test
  @DisplayName("Every verticle package has a rule, and no verticle package is allowed to import another")
  void noVerticlePackageMayImportAnother() {
    for (String verticle : VERTICLES) {
      Set<String> allowed = ALLOWED.get(verticle);
      assertTrue(allowed != null, verticle + " has no rule");
      assertEquals(Set.of(), intersection(allowed, VERTICLES, verticle), verticle + " may import a verticle");
    }
  }

  @Test
  @DisplayName("The import scan sees a sideways import (the rule can fail)")
  void theScanFindsImports() {
    String text = "package com.bitville.apm.listener.udp;\n\nimport com.bitville.apm.listener.ingest.IngestPipeline;\n"
        + "import static com.bitville.apm.listener.storage.api.RecordStore.X;\n";
    assertEquals(Set.of("ingest", "storage.api"), importedPackages(text));
    assertTrue(IMPORTS_APP.matcher("import {\n  state,\n} from '../app.js';").find());
    assertTrue(!IMPORTS_APP.matcher("import { state } from '../router.js';").find());
  }

  @Test
  @DisplayName("Web UI: no module imports app.js (views import the router), so there is no app <-> views cycle")
  void noModuleImportsTheApp() throws IOException {
    Path js = Path.of("../web-ui/src/main/resources/webroot/js");
    assertTrue(Files.isDirectory(js), js.toAbsolutePath().toString());
    List<String> importers = new ArrayList<>();
    try (Stream<Path> files = Files.walk(js)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".js")).sorted().toList()) {
        if (IMPORTS_APP.matcher(Files.readString(file)).find()) {
          importers.add(js.relativize(file).toString());
        }
      }
    }
    assertEquals(List.of(), importers, "modules importing app.js");
  }

  private static Set<String> intersection(Set<String> allowed, Set<String> verticles, String self) {
    Set<String> both = new TreeSet<>(allowed);
    both.retainAll(verticles);
    both.remove(self);
    return both;
  }

  private static List<Path> sources() throws IOException {
    assertTrue(Files.isDirectory(SOURCES), "run from the verticles module: " + SOURCES.toAbsolutePath());
    try (Stream<Path> files = Files.walk(SOURCES)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    }
  }

  private static String packageOf(Path file) {
    Path dir = SOURCES.relativize(file.getParent());
    return dir.toString().replace(java.io.File.separatorChar, '.');
  }

  private static Set<String> importedPackages(Path file) throws IOException {
    return importedPackages(Files.readString(file));
  }

  private static Set<String> importedPackages(String text) {
    Set<String> packages = new TreeSet<>();
    Matcher m = IMPORT.matcher(text);
    while (m.find()) {
      packages.add(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
    }
    return packages;
  }
}
