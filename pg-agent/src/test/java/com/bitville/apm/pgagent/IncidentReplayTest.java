package com.bitville.apm.pgagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.config.ConfigLoader;
import com.bitville.apm.listener.launcher.FirstStart;
import com.bitville.apm.listener.launcher.ListenerNode;
import com.bitville.apm.pgagent.support.PgServer;
import com.bitville.apm.pgagent.support.Sql;
import com.bitville.apm.pgagent.support.TempDirs;
import com.bitville.apm.pgagent.support.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * An incident replayed on a real PostgreSQL 15 whose log is in Europe/Berlin time, watched by the agent and shown by
 * the real listener's Database view in headless Chromium: a lock chain of three sessions, a burst of slow
 * statements that never run again, one statement run by two requests, and a pg_stat_statements_reset().
 */
class IncidentReplayTest {

  private static final String KEY = "incident-key-for-project-shop-01";
  private static final String USER = "ops";
  private static final String PASSWORD = "incident replay password";
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @Test
  @DisplayName("The UI shows the blocker and every waiter, heavy statements with text and totals, true log times, "
      + "the reset, and no statement attributed to a request")
  void incidentInTheUi() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Chromium and chromedriver are needed at /usr/bin");
    Path state = TempDirs.create("pgagent-incident-");
    Vertx vertx = Vertx.vertx();
    ChromeDriver driver = null;
    try (PgServer pg = PgServer.start()) {
      PgConnection admin = Sql.connect(vertx, pg.port(), "postgres", "incident-admin");
      Sql.run(admin, "CREATE EXTENSION pg_stat_statements");
      Sql.run(admin, "CREATE TABLE orders (id int PRIMARY KEY, status text)");
      Sql.run(admin, "INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100) g");
      Sql.run(admin, "ALTER SYSTEM SET log_timezone = 'Europe/Berlin'");
      Sql.run(admin, "SELECT pg_reload_conf()");
      ListenerNode listener = startListener(state.resolve("listener"));
      int ingestPort = listener.config().getJsonObject("ingest").getInteger("port");
      int queryPort = listener.config().getJsonObject("query").getInteger("port");
      JsonObject config = TestConfigs.base(pg.port(), "postgres",
          "https://localhost:" + ingestPort + "/ingest/postgres", state);
      config.getJsonObject("delivery").put("api_key", KEY)
          .put("ca_file", state.resolve("listener/tls/listener-cert.pem").toString()).put("pin_sha256", "");
      config.getJsonObject("logs").put("start_at", "beginning");
      Sql.await(vertx.deployVerticle(new AgentVerticle(TestConfigs.config(config))));
      long start = System.currentTimeMillis();
      Thread.sleep(2_500); // the statements baseline is taken

      String requestA = UUID.randomUUID().toString();
      String requestD = UUID.randomUUID().toString();
      String root = UUID.randomUUID().toString();
      String waiter = UUID.randomUUID().toString();
      String third = UUID.randomUUID().toString();
      // the same statement, first by A once, then by D five times
      PgConnection a = Sql.connect(vertx, pg.port(), "postgres", "bitville-" + requestA);
      Sql.run(a, "SELECT count(*) FROM orders WHERE id > 40 /* correlation:" + requestA + " */");
      Thread.sleep(1_500);
      PgConnection d = Sql.connect(vertx, pg.port(), "postgres", "bitville-" + requestD);
      for (int i = 0; i < 5; i++) {
        Sql.run(d, "SELECT count(*) FROM orders WHERE id > " + (41 + i) + " /* correlation:" + requestD + " */");
      }
      // a burst of slow statements that never run again
      List<PgConnection> burst = new ArrayList<>();
      List<Future<?>> sleeps = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        burst.add(Sql.connect(vertx, pg.port(), "postgres", "php-burst-" + i));
      }
      burst.forEach(c -> sleeps.add(Sql.start(c, "SELECT pg_sleep(0.4) AS incident_burst")));
      Sql.await(Future.all(sleeps));
      // a lock chain of three sessions
      PgConnection holder = Sql.connect(vertx, pg.port(), "postgres", "bitville-" + root);
      PgConnection second = Sql.connect(vertx, pg.port(), "postgres", "bitville-" + waiter);
      PgConnection last = Sql.connect(vertx, pg.port(), "postgres", "bitville-" + third);
      Sql.run(holder, "BEGIN");
      Sql.run(holder, "UPDATE orders SET status = 'held' WHERE id = 7");
      Future<?> w = Sql.start(second, "UPDATE orders SET status = 'second' WHERE id = 7");
      Thread.sleep(300);
      Future<?> t = Sql.start(last, "UPDATE orders SET status = 'third' WHERE id = 7");
      Thread.sleep(2_500); // lock samples every 300 ms; "still waiting" logged after deadlock_timeout
      Sql.run(holder, "ROLLBACK");
      Sql.await(Future.all(w, t));
      Thread.sleep(1_500);
      Sql.run(admin, "SELECT pg_stat_statements_reset()");
      Sql.run(d, "SELECT count(*) FROM orders WHERE id > 50 /* correlation:" + requestD + " */");
      Path db = state.resolve("listener/bitville.db");
      Sql.eventually(30_000, "the reset and the lock chain stored", () ->
          count(db, "SELECT count(*) FROM records WHERE source = 'pg_stat_statements' AND summary LIKE '%reset%'") > 0
              && count(db, "SELECT count(*) FROM records WHERE source = 'pg_locks'") > 0
              && count(db, "SELECT count(*) FROM records WHERE source = 'pg_log'") > 0);
      long end = System.currentTimeMillis() + 5_000;

      // no statement statistics linked to any request; the root's request linked to the whole chain
      for (String id : List.of(requestA, requestD)) {
        assertEquals(0, count(db, "SELECT count(*) FROM records r WHERE r.source = 'pg_stat_statements' AND "
            + "(r.correlation_id = '" + id + "' OR r.id IN (SELECT record_id FROM record_links WHERE correlation_id = '"
            + id + "'))"), "statements linked to " + id);
      }
      assertTrue(count(db, "SELECT count(*) FROM record_links l JOIN records r ON r.id = l.record_id WHERE "
          + "r.source = 'pg_locks' AND l.correlation_id = '" + third + "'") > 0);

      driver = browser(state);
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
      String base = "https://localhost:" + queryPort + "/";
      driver.get(base);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user"))).sendKeys(USER);
      driver.findElement(By.id("login-password")).sendKeys(PASSWORD);
      driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("topbar")));
      driver.get(base + "#/database?project=shop&from=" + (start - 5_000) + "&to=" + end);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("db-statements")));

      WebElement rootNode = driver.findElement(By.cssSelector("#db-lock-trees li[data-pid]"));
      String rootLine = rootNode.findElement(By.cssSelector(".lock-line")).getText();
      assertTrue(rootLine.contains("root blocker") && rootLine.contains(root) && rootLine.contains("2 waiting behind"),
          "the blocker with its request and both waiters behind it: " + rootLine);
      String tree = driver.findElement(By.id("db-lock-trees")).getText();
      assertTrue(tree.contains(waiter) && tree.contains(third) && tree.contains("status = 'third'"), tree);
      assertEquals(2, rootNode.findElements(By.cssSelector("li[role=treeitem]")).size(), "every waiter");

      WebElement burstRow = statementRow(driver, "incident_burst");
      assertEquals("6", burstRow.findElements(By.tagName("td")).get(1).getText(), "the burst's six calls");
      WebElement shared = statementRow(driver, "id > $1");
      String sharedText = shared.findElement(By.cssSelector("pre.full-text")).getAttribute("textContent");
      assertFalse(sharedText.contains(requestA) || sharedText.contains(requestD), sharedText);
      assertTrue(driver.findElement(By.cssSelector(".reset-mark")).getText().contains("pg_stat_statements_reset()"));

      String logs = driver.findElement(By.cssSelector("table.logs")).getText();
      assertTrue(logs.contains("still waiting for ShareLock"), "the lock wait in the log: " + logs);
      long loggedAt = driver.findElements(By.cssSelector("table.logs tr")).stream()
          .filter(r -> r.getText().contains("still waiting for ShareLock")).map(r -> r.findElement(By.tagName("td"))
              .getText()).map(IncidentReplayTest::utcMillis).findFirst().orElseThrow();
      assertTrue(loggedAt >= start && loggedAt <= end, "the log line at its true time (UTC), not an hour off: "
          + java.time.Instant.ofEpochMilli(loggedAt) + " in " + java.time.Instant.ofEpochMilli(start) + " .. "
          + java.time.Instant.ofEpochMilli(end));
      // the root blocker's request page counts the whole chain behind it, not only its direct waiter
      driver.get(base + "#/correlation/" + root + "?project=shop");
      wait.until(page -> page.findElements(By.cssSelector("main table tr")).stream()
          .anyMatch(r -> r.getText().contains("pg_locks")));
      assertTrue(driver.findElements(By.cssSelector("main table tr")).stream()
          .anyMatch(r -> r.getText().contains("pg_locks") && r.getText().contains("2 matching entries")),
          driver.findElement(By.tagName("main")).getText());
      listener.shutdown().toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
    } finally {
      if (driver != null) {
        driver.quit();
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  private static WebElement statementRow(ChromeDriver driver, String textPart) {
    for (WebElement row : driver.findElements(By.cssSelector("#db-statements tr.statement"))) {
      if (row.findElement(By.cssSelector("pre.full-text")).getAttribute("textContent").contains(textPart)) {
        return row;
      }
    }
    throw new AssertionError("no statement with " + textPart + " in "
        + driver.findElement(By.id("db-statements")).getText());
  }

  /** "2026-11-30 21:05:01.123 UTC" as shown by the UI (the cell's first line; the link to its requests follows). */
  private static long utcMillis(String shown) {
    String time = shown.lines().findFirst().orElse(shown);
    return java.time.Instant.parse(time.replace(" *", "").replace(" UTC", "Z").replace(' ', 'T')).toEpochMilli();
  }

  private static long count(Path database, String sql) {
    try (var connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        var rows = connection.createStatement().executeQuery(sql)) {
      return rows.next() ? rows.getLong(1) : 0;
    } catch (Exception e) {
      return -1;
    }
  }

  private static ListenerNode startListener(Path dataDir) throws Exception {
    JsonObject config = ConfigLoader.defaults();
    config.put("node", new JsonObject().put("dataDir", dataDir.toString()).put("name", "incident"));
    config.getJsonObject("ingest").put("host", "127.0.0.1").put("port", PgServer.freePort());
    config.getJsonObject("management").put("port", PgServer.freePort());
    config.getJsonObject("query").put("host", "127.0.0.1").put("port", PgServer.freePort());
    config.put("projects", new JsonObject().put("shop", new JsonObject().put("keys", new JsonArray().add(KEY))));
    config.put("users", new JsonObject().put(USER, new JsonObject()
        .put("passwordHash", com.bitville.apm.listener.query.Passwords.hash(PASSWORD.toCharArray(), 4))
        .put("projects", new JsonArray().add("shop"))));
    for (String optional : List.of("udp-ingest", "retention", "gelf-forwarder")) {
      if (config.getJsonObject("verticles").containsKey(optional)) {
        config.getJsonObject("verticles").put(optional, 0);
      }
    }
    FirstStart.Outcome prepared = FirstStart.prepare(config);
    return ListenerNode.start(prepared.config(), false).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  private static ChromeDriver browser(Path state) throws Exception {
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toString());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--ignore-certificate-errors", "--window-size=1440,1000",
        "--user-data-dir=" + Files.createDirectories(state.resolve("chromium")));
    return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(),
        options);
  }
}
