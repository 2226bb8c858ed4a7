package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.TestListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Database view in headless Chromium over an incident sent as the pg-agent sends it: a lock chain of three
 * sessions, statements over two samples with a reset between, log lines, sessions and host metrics.
 */
@DisplayName("Database view: lock chain tree, statements with full text and totals, charts")
class DatabaseViewBrowserTest {

  private static final String ROOT_REQUEST = UUID.randomUUID().toString();
  private static final String WAITER_REQUEST = UUID.randomUUID().toString();
  private static final String LONG_SQL = "SELECT o.id, o.status, c.name FROM orders o JOIN customers c ON c.id = "
      + "o.customer_id WHERE o.created_at > $1 AND o.status = ANY($2) ORDER BY o.created_at DESC LIMIT $3 "
      + "/* the tail of a long statement that the list cuts off */";

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient ingest;
  private static ChromeDriver driver;
  private static WebDriverWait wait;
  private static Path profile;
  private static long incidentAt;
  private static long requestNearTheLockLog;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(BrowserUiTest.CHROMIUM), "Chromium is not installed");
    listener = TestListener.start();
    vertx = Vertx.vertx();
    ingest = listener.httpsClient(vertx);
    // 10 s into a minute: the samples at +30 s and +40 s and the log line at +31 s share one minute
    incidentAt = minuteOf(System.currentTimeMillis() - 600_000) + 10_000;
    sendIncident();
    requestNearTheLockLog = sendRequest(incidentAt + 31_000);
    sendRequest(incidentAt - 600_000);
    sendRequest(incidentAt + 540_000);
    profile = Files.createTempDirectory("bitville-chromium-db-");
    Files.createDirectories(BrowserUiTest.SCREENSHOTS);
    System.setProperty("webdriver.chrome.driver", BrowserUiTest.CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions().setBinary(BrowserUiTest.CHROMIUM.toString());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--ignore-certificate-errors", "--window-size=1440,1000", "--user-data-dir=" + profile);
    org.openqa.selenium.logging.LoggingPreferences logs = new org.openqa.selenium.logging.LoggingPreferences();
    logs.enable(org.openqa.selenium.logging.LogType.BROWSER, java.util.logging.Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    driver = new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(BrowserUiTest.CHROMEDRIVER.toFile()).build(), options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    driver.get("https://localhost:" + listener.queryPort() + "/");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user"))).sendKeys(TestListener.SHOP_USER);
    driver.findElement(By.id("login-password")).sendKeys(TestListener.USER_PASSWORD);
    driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("topbar")));
  }

  /** A PHP request of the shop at that instant; returns its id. */
  private static long sendRequest(long atMs) throws Exception {
    JsonObject payload = com.bitville.apm.listener.testsupport.Fixtures.phpJson("wire/slow_get.json")
        .put("correlation_id", UUID.randomUUID().toString()).put("timestamp", atMs / 1000.0);
    HttpResponse<Buffer> response = Await.result(ingest.post("/ingest/php")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).sendJsonObject(payload));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("ids").getLong(0);
  }

  @AfterAll
  static void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (listener != null) {
      ingest.close();
      Await.result(vertx.close());
      listener.close();
      TestListener.deleteRecursively(profile);
    }
  }

  private static JsonObject envelope(String source, long atMs, JsonObject data) {
    return new JsonObject().put("correlation_id", "").put("project", "shop").put("timestamp", atMs / 1000.0)
        .put("source", source).put("host", "db1").put("data", data);
  }

  private static void send(JsonObject... envelopes) throws Exception {
    StringBuilder ndjson = new StringBuilder();
    for (JsonObject e : envelopes) {
      ndjson.append(e.encode()).append('\n');
    }
    HttpResponse<Buffer> response = Await.result(ingest.post("/ingest/postgres")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/x-ndjson").sendBuffer(Buffer.buffer(ndjson.toString())));
    assertEquals(200, response.statusCode(), response.bodyAsString());
  }

  private static JsonObject statement(String queryId, String query, long calls, double totalMs, long rows) {
    return new JsonObject().put("queryid", queryId).put("userid", "10").put("dbid", "5").put("toplevel", true)
        .put("username", "shop").put("datname", "shopdb").put("query", query).put("calls", calls)
        .put("total_exec_time", totalMs).put("mean_exec_time", totalMs / calls).put("rows", rows)
        .put("shared_blks_hit", 100L).put("shared_blks_read", 7L).put("temp_blks_written", 0L)
        .put("max_exec_time", totalMs / calls * 2);
  }

  private static JsonObject lock(int blocked, String blockedApp, int blocking, String blockingApp, double waitMs,
      String blockingState, String blockedRequest, String blockingRequest) {
    return new JsonObject().put("blocked_pid", blocked).put("blocked_application", blockedApp)
        .put("blocked_query", "UPDATE orders SET status = 'paid' WHERE id = 7").put("blocked_wait_ms", waitMs)
        .put("blocked_correlation_id", blockedRequest).put("blocking_pid", blocking)
        .put("blocking_application", blockingApp).put("blocking_query", "UPDATE orders SET status = 'held' WHERE id = 7")
        .put("blocking_state", blockingState).put("blocking_xact_ms", 45_000.0)
        .put("blocking_correlation_id", blockingRequest).put("locktype", "transactionid")
        .put("blocked_mode", "ShareLock").put("blocking_mode", "ExclusiveLock").put("relation", "orders");
  }

  /** What the agent sends during the incident: two statement samples (reset between), a lock chain, logs. */
  private static void sendIncident() throws Exception {
    long t = incidentAt;
    send(envelope("pg_stat_statements", t, new JsonObject().put("deltas", true).put("interval_s", 60.0)
            .put("statements", new JsonArray().add(statement("111", "SELECT pg_sleep($1)", 350, 700_000.0, 350))
                .add(statement("222", LONG_SQL, 100, 180_000.0, 5000)))),
        envelope("pg_stat_statements", t + 60_000, new JsonObject().put("deltas", true).put("interval_s", 12.5)
            .put("stats_reset", java.time.Instant.ofEpochMilli(t + 47_500).toString())
            .put("statements", new JsonArray().add(statement("222", LONG_SQL, 45, 79_000.0, 2250)))),
        envelope("pg_locks", t + 30_000, new JsonObject().put("count", 2).put("locks", new JsonArray()
            .add(lock(201, "bitville-" + WAITER_REQUEST, 200, "bitville-" + ROOT_REQUEST, 38_928.8,
                "idle in transaction", WAITER_REQUEST, ROOT_REQUEST))
            .add(lock(202, "php-worker", 201, "bitville-" + WAITER_REQUEST, 12_000.0, "active", null,
                WAITER_REQUEST)))),
        envelope("pg_stat_activity", t + 30_000, new JsonObject().put("active", 2).put("waiting_on_locks", 2)
            .put("non_idle_total", 3).put("busy", true).put("sessions", new JsonArray()
                .add(new JsonObject().put("pid", 200).put("state", "idle in transaction").put("running_ms", 45_000.0)
                    .put("application_name", "bitville-" + ROOT_REQUEST).put("correlation_id", ROOT_REQUEST)
                    .put("query", "UPDATE orders SET status = 'held' WHERE id = 7"))
                .add(new JsonObject().put("pid", 201).put("state", "active").put("wait_event_type", "Lock")
                    .put("wait_event", "transactionid").put("running_ms", 38_900.0).put("query", "UPDATE ...")))),
        envelope("pg_stat_activity", t + 40_000, new JsonObject().put("active", 1).put("waiting_on_locks", 0)
            .put("non_idle_total", 1).put("sessions", new JsonArray())),
        envelope("system_metrics", t + 20_000, new JsonObject().put("cpu", new JsonObject().put("percent", 40.0)
            .put("load_avg_1m", 3.5)).put("memory", new JsonObject().put("percent", 60.0))),
        envelope("system_metrics", t + 30_000, new JsonObject().put("cpu", new JsonObject().put("percent", 95.0)
            .put("load_avg_1m", 12.0)).put("memory", new JsonObject().put("percent", 61.0))),
        envelope("pg_log", t + 32_000, new JsonObject().put("entries", new JsonArray()
            .add(new JsonObject().put("timestamp", "2026-01-01 00:00:00.000").put("timezone", "CET")
                .put("timestamp_utc", java.time.Instant.ofEpochMilli(t + 31_000).toString()).put("level", "LOG")
                .put("category", "lock_wait").put("lock_wait_ms", 38928.798)
                .put("message", "process 201 still waiting for ShareLock on transaction 5 after 38928.798 ms"))
            .add(new JsonObject().put("timestamp_utc", java.time.Instant.ofEpochMilli(t + 31_500).toString())
                .put("level", "ERROR").put("category", "deadlock").put("message", "deadlock detected")))));
  }

  private static void screenshot(String name) throws Exception {
    Path file = driver.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(file, BrowserUiTest.SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @DisplayName("The incident window shows the lock chain as a tree, statements with totals and full text, the reset")
  void incidentWindow() throws Exception {
    driver.get("https://localhost:" + listener.queryPort() + "/#/database?project=shop&from=" + (incidentAt - 60_000)
        + "&to=" + (incidentAt + 120_000));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("db-statements")));

    // the lock chain: root blocker with its state, transaction age and request; every waiter with its wait
    WebElement tree = driver.findElement(By.id("db-lock-trees"));
    WebElement root = tree.findElement(By.cssSelector("li[data-pid='200']"));
    String rootLine = root.findElement(By.cssSelector(".lock-line")).getText();
    assertTrue(rootLine.contains("root blocker pid 200") && rootLine.contains("idle in transaction")
        && rootLine.contains("45.0 s") && rootLine.contains("2 waiting behind"), rootLine);
    assertEquals("#/correlation/" + ROOT_REQUEST + "?project=shop", root.findElement(By.cssSelector(".lock-line a"))
        .getAttribute("href").replaceFirst("^https://[^/]+/", ""), "the root's request is linked");
    WebElement direct = root.findElement(By.cssSelector("li[data-pid='201']"));
    assertTrue(direct.findElement(By.cssSelector(".lock-line")).getText().contains("waiting 38.9 s"));
    WebElement indirect = direct.findElement(By.cssSelector("li[data-pid='202']"));
    assertTrue(indirect.findElement(By.cssSelector(".lock-line")).getText().contains("waiting 12.0 s"),
        "the waiter two steps behind sits under the one it waits for");

    // statements: totals summed over both samples, heaviest first, full text on demand
    List<WebElement> rows = driver.findElements(By.cssSelector("#db-statements tr.statement"));
    assertEquals("111", rows.get(0).getAttribute("data-queryid"), "700 s of pg_sleep is the heaviest");
    WebElement join = driver.findElement(By.cssSelector("#db-statements tr[data-queryid='222']"));
    List<WebElement> cells = join.findElements(By.tagName("td"));
    assertEquals("259.0 s", cells.get(0).getText(), "total time summed over the window");
    assertEquals("145", cells.get(1).getText(), "calls summed over the window");
    assertEquals("1786 ms", cells.get(2).getText(), "mean = total / calls");
    assertEquals("7,250", cells.get(4).getText(), "rows summed");
    assertFalse(join.findElement(By.cssSelector("pre.full-text")).isDisplayed(), "full text folded");
    join.findElement(By.tagName("summary")).click();
    assertEquals(LONG_SQL, join.findElement(By.cssSelector("pre.full-text")).getText(), "the full text, verbatim");
    assertTrue(driver.findElement(By.cssSelector(".reset-mark")).getText().contains("pg_stat_statements_reset() at"));

    // logs by category, sessions, charts drawn by uPlot (served from the jar)
    assertTrue(driver.findElement(By.id("db-log-category")).getText().contains("lock_wait (1)"));
    assertTrue(driver.findElement(By.cssSelector("table.sessions")).getText().contains("idle in transaction"));
    wait.until(d -> !d.findElements(By.cssSelector("#db-sessions-chart canvas")).isEmpty()
        && !d.findElements(By.cssSelector("#db-cpu-chart canvas")).isEmpty());
    screenshot("database-incident");
    List<String> problems = driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
        .map(org.openqa.selenium.logging.LogEntry::getMessage)
        .filter(m -> m.contains("Content Security Policy") || m.contains("Uncaught")).toList();
    assertEquals(List.of(), problems, "the charts work under script-src 'self' and style-src 'self'");

    // sorting by rows reorders without losing the window
    driver.findElement(By.cssSelector("a[data-sort='rows']")).click();
    wait.until(d -> d.getCurrentUrl().contains("sort=rows"));
    wait.until(d -> {
      List<WebElement> sorted = d.findElements(By.cssSelector("#db-statements tr.statement"));
      return !sorted.isEmpty() && "222".equals(sorted.get(0).getAttribute("data-queryid"));
    });
    assertTrue(driver.getCurrentUrl().contains("from=" + (incidentAt - 60_000)));
  }

  private static long minuteOf(long atMs) {
    return atMs - atMs % 60_000;
  }

  private static void assertLinksTheMinutesAround(long recordAtMs, WebElement link) {
    long from = minuteOf(recordAtMs) - 60_000;
    String href = link.getAttribute("href");
    assertTrue(href.contains("from=" + from + "&") && href.contains("to=" + (from + 180_000) + "&"),
        "the minute of the record, the one before and the one after: " + href);
  }

  @Test
  @DisplayName("Database records link to the PHP requests of their minutes: a log line, the lock sample, the sessions")
  void recordsLinkToTheRequestsOfTheirMinutes() throws Exception {
    driver.get("https://localhost:" + listener.queryPort() + "/#/database?project=shop&from=" + (incidentAt - 60_000)
        + "&to=" + (incidentAt + 120_000));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("db-statements")));
    assertLinksTheMinutesAround(incidentAt + 30_000,
        driver.findElement(By.cssSelector("#db-lock-requests a.minute-requests")));
    assertLinksTheMinutesAround(incidentAt + 30_000,
        driver.findElement(By.cssSelector("#db-sessions-sample a.minute-requests")));
    assertFalse(driver.findElements(By.cssSelector("#db-log-counts a.bucket-requests")).isEmpty(),
        "each bucket of the log counts links to its requests");
    WebElement lockLog = driver.findElement(By.cssSelector("table.logs tr.log-lock_wait a.minute-requests"));
    assertLinksTheMinutesAround(incidentAt + 31_000, lockLog);
    lockLog.click();
    wait.until(d -> d.getCurrentUrl().contains("#/requests?")
        && !d.findElements(By.cssSelector("#requests-table tbody tr[data-id]")).isEmpty());
    List<String> listed = driver.findElements(By.cssSelector("#requests-table tbody tr[data-id]")).stream()
        .map(r -> r.getAttribute("data-id")).toList();
    assertEquals(List.of(String.valueOf(requestNearTheLockLog)), listed,
        "only the request of those minutes, not the ones ten minutes before and nine after");
  }
}
