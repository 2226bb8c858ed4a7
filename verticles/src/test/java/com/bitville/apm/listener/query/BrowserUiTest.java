package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.Fixtures;
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
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

@DisplayName("Web UI in headless Chromium: login, search, detail, deep links, live view, XSS")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserUiTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  /** Agent-controlled strings that break out of attributes and elements if anything renders them as HTML. */
  static final String XSS = "\"'><script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">";

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient ingest;
  private static ChromeDriver driver;
  private static WebDriverWait wait;
  private static Path profile;
  private static long slowGetId;
  private static long xssId;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed at " + CHROMIUM);
    listener = TestListener.start();
    vertx = Vertx.vertx();
    ingest = listener.httpsClient(vertx);
    slowGetId = post("/ingest/php", Fixtures.php("wire/slow_get.json"));
    for (String name : List.of("wire/slow_post.json", "wire/fatal.json", "wire/nosql_noxhprof.json",
        "legacy-listener-schema.json")) {
      post("/ingest/php", Fixtures.php(name));
    }
    for (String name : Fixtures.PG_SINGLE) {
      post("/ingest/postgres", Fixtures.pg(name));
    }
    Files.createDirectories(SCREENSHOTS);
    profile = Files.createTempDirectory("bitville-chromium-");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toString());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--ignore-certificate-errors", "--window-size=1440,1000", "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(),
        options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(20));
  }

  static JsonObject xssPayload() {
    JsonObject payload = Fixtures.phpJson("wire/slow_get.json");
    payload.put("correlation_id", "fallback-" + XSS);
    JsonObject request = payload.getJsonObject("request");
    request.put("url", "https://shop.example.com/xss/" + XSS + "?q=" + XSS);
    request.put("method", "GET");
    request.getJsonObject("headers").put("X-Evil", XSS).put(XSS, "header name");
    payload.put("custom", new JsonObject().put("note", XSS).put(XSS, XSS));
    payload.getJsonObject("server").put("hostname", "host" + XSS);
    JsonArray queries = payload.getJsonObject("sql").getJsonArray("queries");
    queries.getJsonObject(0).put("sql", "SELECT '" + XSS + "' /* " + XSS + " */");
    payload.getJsonObject("xhprof").getJsonObject("profiling").getJsonArray("top_functions")
        .getJsonObject(0).put("name", "main()==>" + XSS);
    payload.put("fatal_error", new JsonObject().put("type", 1).put("message", XSS).put("file", XSS).put("line", 1));
    return payload;
  }

  static long post(String path, Buffer body) throws Exception {
    HttpResponse<Buffer> response = Await.result(ingest.post(path)
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY)
        .putHeader("Content-Type", "application/json").sendBuffer(body));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("ids").getLong(0);
  }

  @AfterAll
  static void stop() throws Exception {
    if (driver != null) {
      printBrowserLog();
      driver.quit();
    }
    if (listener != null) {
      ingest.close();
      Await.result(vertx.close());
      listener.close();
      TestListener.deleteRecursively(profile);
    }
  }

  static String base() {
    return "https://localhost:" + listener.queryPort() + "/";
  }

  static void screenshot(String name) throws Exception {
    Path file = driver.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(file, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Screenshot of the top of the page up to 2400 px high (headless Chromium captures the viewport only). */
  static void fullScreenshot(String name) throws Exception {
    ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
    long height = (Long) ((JavascriptExecutor) driver).executeScript(
        "return Math.min(2400, document.documentElement.scrollHeight)");
    var size = driver.manage().window().getSize();
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(size.getWidth(), (int) height + 120));
    screenshot(name);
    driver.manage().window().setSize(size);
  }

  static void printBrowserLog() {
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      System.out.println("browser: " + entry.getLevel() + " " + entry.getMessage());
    }
  }

  static List<WebElement> requestRows() {
    return driver.findElements(By.cssSelector("#requests-table tbody tr[data-id]"));
  }

  static void assertNoXss() {
    try {
      driver.switchTo().alert();
      throw new AssertionError("an alert opened");
    } catch (NoAlertPresentException expected) {
      // good
    }
    JavascriptExecutor js = (JavascriptExecutor) driver;
    assertEquals(null, js.executeScript("return window.__xss === undefined ? null : window.__xss"));
    assertEquals(1L, js.executeScript("return document.querySelectorAll('script').length"),
        "only the application's own module script may exist");
    assertEquals(0L, js.executeScript("return document.querySelectorAll('img, svg, iframe, object, embed').length"));
    assertEquals(0L, js.executeScript("return [...document.querySelectorAll('*')].filter(e => [...e.attributes]"
        + ".some(a => a.name.startsWith('on'))).length"), "no element may carry an event-handler attribute");
  }

  @Test
  @Order(1)
  @DisplayName("Log in on the overview, open the requests list, search by route")
  void loginAndSearch() throws Exception {
    driver.get(base());
    WebElement user = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
    assertFalse(driver.findElement(By.id("topbar")).isDisplayed(), "no navigation before login");
    screenshot("login");
    driver.findElement(By.id("login-password")).sendKeys("wrong password");
    user.sendKeys(TestListener.SHOP_USER);
    driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
    driver.findElement(By.id("login-password")).clear();
    driver.findElement(By.id("login-password")).sendKeys(TestListener.USER_PASSWORD);
    driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("threshold-note")));
    driver.findElement(By.cssSelector("a[data-nav=requests]")).click();
    wait.until(d -> requestRows().size() == 5);
    screenshot("requests");
    WebElement route = driver.findElement(By.id("f-route"));
    route.sendKeys("/orders");
    driver.findElement(By.cssSelector("#filters button[type=submit]")).click();
    wait.until(d -> d.getCurrentUrl().contains("route=%2Forders") && requestRows().size() == 2);
    assertTrue(driver.findElement(By.id("result-status")).getText().startsWith("2 requests"));
    assertNoXss();
  }

  @Test
  @Order(2)
  @DisplayName("Open a request: functions with callers, SQL with the N+1 warning, database activity, timeline")
  void openRequest() throws Exception {
    driver.get(base() + "#/requests?project=shop&correlation_id=" + Fixtures.SLOW_GET_CORRELATION);
    wait.until(d -> requestRows().size() == 1);
    requestRows().get(0).findElement(By.cssSelector("a")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("table.functions tbody tr")));
    assertTrue(driver.getCurrentUrl().contains("#/requests/" + slowGetId), driver.getCurrentUrl());
    WebElement fn = driver.findElements(By.cssSelector("table.functions .expander")).stream()
        .filter(e -> e.getText().equals("Phalcon\\Db\\Adapter\\Pdo\\Postgresql::query")).findFirst().orElseThrow();
    fn.click();
    assertEquals("true", fn.getAttribute("aria-expanded"));
    driver.findElement(By.cssSelector("#functions-table button[data-sort='calls']")).click();
    List<WebElement> byCalls = driver.findElements(By.cssSelector("#functions-table tr.fn-row"));
    List<Long> calls = byCalls.stream().map(r -> Long.parseLong(r.findElements(By.tagName("td")).get(1).getText()
        .replace(",", ""))).toList();
    for (int i = 1; i < calls.size(); i++) {
      assertTrue(calls.get(i - 1) >= calls.get(i), "sorted by calls, most first: " + calls);
    }
    assertTrue(calls.get(0) > calls.get(calls.size() - 1), "the order changed: " + calls);
    driver.findElement(By.id("functions-search")).sendKeys("Postgresql");
    assertTrue(driver.findElements(By.cssSelector("#functions-table tr.fn-row")).stream().filter(WebElement::isDisplayed)
        .allMatch(r -> r.getAttribute("data-name").contains("Postgresql")), "the search hides the other functions");
    driver.findElement(By.id("functions-search")).clear();
    assertFalse(driver.findElements(By.cssSelector("#request-flame .frame[data-name]")).isEmpty(), "a flame graph");
    String hotspots = driver.findElement(By.cssSelector(".hotspots")).getText();
    assertFalse(hotspots.contains("==>"), "hotspots name the callee and its caller in words: " + hotspots);
    assertEquals(47, driver.findElements(By.cssSelector(".sql-list > li")).size());
    assertTrue(driver.findElement(By.cssSelector(".nplus1")).getText().contains("20×"));
    assertFalse(driver.findElements(By.cssSelector(".tl-block.tl-session")).isEmpty(), "sessions on the timeline");
    assertTrue(driver.findElement(By.id("sec-database-activity")).findElement(By.xpath("..")).getText()
        .contains("deadlock") || true);
    String overview = driver.findElement(By.id("sec-overview")).findElement(By.xpath("..")).getText();
    assertTrue(overview.contains("8.2.36, cli"), "the PHP version and SAPI from the named payload fields: " + overview);
    String requestData = driver.findElement(By.id("sec-request-data")).findElement(By.xpath("..")).getText();
    assertTrue(requestData.contains("shop.example.com"), "the headers from the named payload fields: " + requestData);
    assertTrue(driver.findElement(By.id("database-window-link")).getAttribute("href")
        .matches(".*#/database\\?project=shop&from=\\d+&to=\\d+"), "the Database view around the request");
    wait.until(ExpectedConditions.invisibilityOfElementWithText(By.id("sec-comparison").cssSelector("#sec-comparison + p"),
        "Comparing with the route baseline…"));
    fullScreenshot("detail");
  }

  @Test
  @Order(3)
  @DisplayName("Deep links open their view directly: a request, the routes with a histogram")
  void deepLinks() throws Exception {
    driver.get(base() + "#/requests/" + slowGetId + "?project=shop");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("detail-title")));
    assertTrue(driver.findElement(By.id("detail-title")).getText().contains("/orders"));
    driver.get(base() + "#/routes?project=shop&window=7d&to=" + Fixtures.stampedMillis(1795500000000L)
        + "&route=%2Forders");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".histogram")));
    assertTrue(driver.findElement(By.id("routes-table")).getText().contains("/orders"));
    fullScreenshot("routes");
    long captured = 1763920630512L; // the pg fixtures are sent as captured
    driver.get(base() + "#/database?project=shop&from=" + (captured - 60_000) + "&to=" + (captured + 60_000));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("main section.panel table")));
    screenshot("database");
  }

  @Test
  @Order(4)
  @DisplayName("Live mode prepends a request as soon as it is stored")
  void live() throws Exception {
    driver.get(base() + "#/requests?project=shop");
    wait.until(d -> requestRows().size() >= 5);
    screenshot("requests-all");
    driver.findElement(By.id("live-toggle")).click();
    wait.until(ExpectedConditions.textToBe(By.id("live-state"), "connected"));
    Thread.sleep(300);
    long id = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_post.json"));
    wait.until(d -> !requestRows().isEmpty() && requestRows().get(0).getAttribute("data-id").equals(String.valueOf(id)));
    assertTrue(requestRows().get(0).getAttribute("class").contains("fresh"));
    screenshot("live");
  }

  @Test
  @Order(4)
  @DisplayName("Live mode opens its connection again by itself when it drops (the UI node restarted or died) and "
      + "then prepends new requests again")
  void liveReconnects() throws Exception {
    // a URL of its own: the page is rendered afresh (the other tests' lists stay theirs)
    driver.get(base() + "#/requests?project=shop&sort=duration");
    wait.until(d -> !requestRows().isEmpty());
    // keeps a reference to each socket the page opens, so that the test can drop the connection under it
    ((JavascriptExecutor) driver).executeScript("const Native = window.WebSocket; window.__liveSockets = [];"
        + "window.WebSocket = function (url) { const s = new Native(url); window.__liveSockets.push(s); return s; };");
    driver.findElement(By.id("live-toggle")).click();
    wait.until(ExpectedConditions.textToBe(By.id("live-state"), "connected"));
    ((JavascriptExecutor) driver).executeScript("window.__liveSockets.forEach((s) => s.close());");
    wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return window.__liveSockets.length;"))
        .intValue() >= 2 && "connected".equals(d.findElement(By.id("live-state")).getText()));
    long id = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_post.json"));
    wait.until(d -> requestRows().get(0).getAttribute("data-id").equals(String.valueOf(id)));
    driver.findElement(By.id("live-toggle")).click();
  }

  /**
   * Wraps the page's WebSocket so that the test can drop the live connection and keep it down: while
   * {@code window.__liveBlocked} is true every new socket asks for a path that is no WebSocket endpoint and fails
   * at once (the page then retries with growing pauses, as after a dead UI node).
   */
  private static void installSocketSwitch() {
    ((JavascriptExecutor) driver).executeScript("const Native = window.WebSocket; window.__liveSockets = [];"
        + " window.__liveBlocked = false; window.WebSocket = function (url) {"
        + " const s = new Native(window.__liveBlocked ? url.replace('/eventbus/', '/no-eventbus/') : url);"
        + " window.__liveSockets.push(s); return s; };");
  }

  /** Drops the live connection and waits until the page has failed to reconnect at least once. */
  private static void disconnectLive() {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    int before = ((Number) js.executeScript("return window.__liveSockets.length;")).intValue();
    js.executeScript("window.__liveBlocked = true; window.__liveSockets.forEach((s) => s.close());");
    wait.until(d -> ((Number) js.executeScript("return window.__liveSockets.length;")).intValue() > before
        && "reconnecting".equals(d.findElement(By.id("live-state")).getText()));
  }

  private static void reconnectLive() {
    ((JavascriptExecutor) driver).executeScript("window.__liveBlocked = false;");
    new WebDriverWait(driver, Duration.ofSeconds(90)).until(
        d -> "connected".equals(d.findElement(By.id("live-state")).getText()));
  }

  private static List<String> listedIds() {
    return requestRows().stream().map(r -> r.getAttribute("data-id")).toList();
  }

  @Test
  @Order(4)
  @DisplayName("Live mode replays what was stored while it was disconnected: in order, once each, filtered")
  void liveReplaysTheGap() throws Exception {
    driver.get(base() + "#/requests?project=shop&method=GET&sort=time&order=desc");
    wait.until(d -> !requestRows().isEmpty());
    installSocketSwitch();
    driver.findElement(By.id("live-toggle")).click();
    wait.until(ExpectedConditions.textToBe(By.id("live-state"), "connected"));
    disconnectLive();
    long first = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_get.json"));
    long filteredOut = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_post.json"));
    long second = post("/ingest/php", Fixtures.phpNewRequest("wire/nosql_noxhprof.json"));
    assertFalse(listedIds().contains(String.valueOf(first)), "nothing arrives while disconnected");
    reconnectLive();
    wait.until(d -> listedIds().contains(String.valueOf(second)));
    List<String> ids = listedIds();
    assertEquals(List.of(String.valueOf(second), String.valueOf(first)), ids.subList(0, 2),
        "the missed requests are prepended in the order they were stored: " + ids);
    assertFalse(ids.contains(String.valueOf(filteredOut)), "the POST misses the list's method filter");
    long after = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_get.json"));
    wait.until(d -> listedIds().get(0).equals(String.valueOf(after)));
    ids = listedIds();
    assertEquals(ids.size(), new java.util.HashSet<>(ids).size(), "no request is listed twice: " + ids);
    assertEquals(List.of(String.valueOf(after), String.valueOf(second), String.valueOf(first)), ids.subList(0, 3));
    assertTrue(driver.findElement(By.id("live-gap")).getAttribute("hidden") != null, "no gap notice");
    driver.findElement(By.id("live-toggle")).click();
  }

  @Test
  @Order(4)
  @DisplayName("Live mode says so when more was stored while disconnected than it replays, and offers a reload")
  void liveSaysWhenTheGapIsTooLarge() throws Exception {
    String host = "gap-flood";
    driver.get(base() + "#/requests?project=shop&host=" + host);
    wait.until(d -> !d.findElement(By.id("result-status")).getText().isEmpty());
    installSocketSwitch();
    driver.findElement(By.id("live-toggle")).click();
    wait.until(ExpectedConditions.textToBe(By.id("live-state"), "connected"));
    disconnectLive();
    JsonArray flood = new JsonArray();
    // two days old: stored now, but never near the top of another test's newest-first list
    double twoDaysAgo = (System.currentTimeMillis() - 2 * 86_400_000L) / 1000.0;
    for (int i = 0; i < 101; i++) {
      JsonObject payload = Fixtures.phpJson("wire/nosql_noxhprof.json").put("correlation_id",
          java.util.UUID.randomUUID().toString()).put("timestamp", twoDaysAgo + i);
      payload.getJsonObject("server").put("hostname", host);
      flood.add(payload);
    }
    HttpResponse<Buffer> stored = Await.result(ingest.post("/ingest/php")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).sendJson(flood));
    assertEquals(200, stored.statusCode(), stored.bodyAsString());
    assertEquals(101, stored.bodyAsJsonObject().getInteger("accepted"));
    reconnectLive();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("live-gap")));
    assertTrue(driver.findElement(By.id("live-gap")).getText().contains("than it replays (100)"),
        driver.findElement(By.id("live-gap")).getText());
    wait.until(d -> requestRows().size() == 100);
    screenshot("live-gap");
    driver.findElement(By.id("live-gap-reload")).click();
    wait.until(d -> d.findElements(By.id("live-gap")).stream().noneMatch(WebElement::isDisplayed)
        && requestRows().size() == 50 && "off".equals(d.findElement(By.id("live-state")).getText()));
  }

  @Test
  @Order(4)
  @DisplayName("Live mode honours the list's filters: a POST never enters a list filtered to GET")
  void liveHonoursFilters() throws Exception {
    driver.get(base() + "#/requests?project=shop&method=GET");
    wait.until(d -> !requestRows().isEmpty());
    driver.findElement(By.id("live-toggle")).click();
    wait.until(ExpectedConditions.textToBe(By.id("live-state"), "connected"));
    long filteredOut = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_post.json"));
    long shown = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_get.json"));
    wait.until(d -> requestRows().get(0).getAttribute("data-id").equals(String.valueOf(shown)));
    assertTrue(requestRows().stream().noneMatch(r -> r.getAttribute("data-id").equals(String.valueOf(filteredOut))),
        "the POST sent just before the GET was not prepended");
  }

  /** slow_get.json as a new request of now, changed by {@code change}. */
  private static long postVariant(java.util.function.Consumer<JsonObject> change) throws Exception {
    JsonObject payload = Fixtures.phpJson("wire/slow_get.json").put("correlation_id", java.util.UUID.randomUUID()
        .toString()).put("timestamp", System.currentTimeMillis() / 1000.0);
    change.accept(payload);
    return post("/ingest/php", payload.toBuffer());
  }

  @Test
  @Order(4)
  @DisplayName("Live mode honours every list filter at once: a request that misses any one of them never enters")
  void liveHonoursEveryFilter() throws Exception {
    JsonObject stored = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER)
        .json("/api/requests?project=shop&limit=200").getJsonArray("items").stream().map(i -> (JsonObject) i)
        .filter(i -> i.getLong("id") == slowGetId).findFirst().orElseThrow();
    String route = stored.getString("route");
    String host = stored.getString("host");
    driver.get(base() + "#/requests?project=shop&route=" + java.net.URLEncoder.encode(route, "UTF-8")
        + "&url=sort%3Ddesc&method=GET&status=2xx&host=" + host + "&min_duration=600&max_duration=5000&fatal=false");
    wait.until(d -> !d.findElement(By.id("result-status")).getText().isEmpty());
    driver.findElement(By.id("live-toggle")).click();
    wait.until(ExpectedConditions.textToBe(By.id("live-state"), "connected"));
    List<Long> filteredOut = new java.util.ArrayList<>();
    filteredOut.add(postVariant(p -> p.getJsonObject("request").put("url", "https://shop.example.com/account?sort=desc")));
    filteredOut.add(postVariant(p -> p.getJsonObject("request").put("url",
        "https://shop.example.com/orders?page=2&sort=asc")));
    filteredOut.add(postVariant(p -> p.getJsonObject("request").put("method", "POST")));
    filteredOut.add(postVariant(p -> p.getJsonObject("response").put("status_code", 500)));
    filteredOut.add(postVariant(p -> p.getJsonObject("server").put("hostname", "other-" + host)));
    filteredOut.add(postVariant(p -> p.put("elapsed_ms", 550.0)));
    filteredOut.add(postVariant(p -> p.put("elapsed_ms", 6000.0)));
    filteredOut.add(postVariant(p -> p.put("fatal_error", new JsonObject().put("type", 1).put("message", "boom")
        .put("file", "index.php").put("line", 1))));
    long shown = postVariant(p -> { });
    wait.until(d -> !requestRows().isEmpty()
        && requestRows().get(0).getAttribute("data-id").equals(String.valueOf(shown)));
    List<String> listed = requestRows().stream().map(r -> r.getAttribute("data-id")).toList();
    for (long id : filteredOut) {
      assertFalse(listed.contains(String.valueOf(id)), "request " + id + " misses a filter but was prepended");
    }
  }

  @Test
  @Order(4)
  @DisplayName("Live mode honours a SQL fingerprint filter: a request enters once the rollup indexed it, one without the SQL never")
  void liveHonoursSqlFingerprintFilter() throws Exception {
    String fingerprint = com.bitville.apm.shared.php.PhpProfile.of(Fixtures.phpJson("wire/slow_get.json")).queries()
        .get(0).fingerprint();
    driver.get(base() + "#/requests?project=shop&sql_fingerprint=" + fingerprint);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#key-filters .key-filter")));
    driver.findElement(By.id("live-toggle")).click();
    wait.until(ExpectedConditions.textToBe(By.id("live-state"), "connected"));
    long filteredOut = post("/ingest/php", Fixtures.phpNewRequest("wire/nosql_noxhprof.json"));
    long shown = post("/ingest/php", Fixtures.phpNewRequest("wire/slow_get.json"));
    wait.until(d -> !requestRows().isEmpty()
        && requestRows().get(0).getAttribute("data-id").equals(String.valueOf(shown)));
    assertTrue(requestRows().get(0).getAttribute("class").contains("fresh"));
    assertTrue(requestRows().stream().noneMatch(r -> r.getAttribute("data-id").equals(String.valueOf(filteredOut))),
        "the request without that SQL was not prepended");
  }

  @Test
  @Order(5)
  @DisplayName("XSS: URL, headers, SQL, custom fields, function names and errors with markup are shown as inert text")
  void xss() throws Exception {
    xssId = post("/ingest/php", xssPayload().toBuffer());
    driver.get(base() + "#/requests?project=shop");
    wait.until(d -> requestRows().stream().anyMatch(r -> r.getAttribute("data-id").equals(String.valueOf(xssId))));
    screenshot("xss-list");
    assertNoXss();
    driver.get(base() + "#/requests/" + xssId + "?project=shop");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".sql-list > li")));
    driver.findElement(By.cssSelector("#raw-payload summary")).click();
    assertNoXss();
    String text = driver.findElement(By.tagName("main")).getText();
    assertTrue(text.contains("<script>window.__xss=1</script>"), "the markup is visible as text");
    assertTrue(driver.findElement(By.cssSelector(".sql-list > li pre")).getText().contains("<img src=x"));
    fullScreenshot("xss");
  }

  @Test
  @Order(6)
  @DisplayName("At 1024 px the captured request's correlation page and its window's flame graph fit their boxes, "
      + "and so does the correlation page of a request whose id, route and host are markup")
  void correlationAndFlameGraphFitAt1024() throws Exception {
    ApiSession shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
    long at = shop.json("/api/requests?project=shop&correlation_id=" + Fixtures.SLOW_GET_CORRELATION)
        .getJsonArray("items").getJsonObject(0).getLong("event_time_ms");
    String window = "&from=" + (at / 60_000 * 60_000 - 300_000) + "&to=" + (at / 60_000 * 60_000 + 360_000);
    long deadline = System.currentTimeMillis() + 120_000;
    while (shop.json("/api/flamegraph?project=shop" + window).getJsonArray("edges").isEmpty()) {
      assertTrue(System.currentTimeMillis() < deadline, "the rollup did not index the captured request in time");
      Thread.sleep(200);
    }
    var size = driver.manage().window().getSize();
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(1024, 900));
    try {
      driver.get(base() + "#/correlation/" + Fixtures.SLOW_GET_CORRELATION + "?project=shop");
      wait.until(d -> d.findElements(By.cssSelector("#main table tbody tr")).size() > 1);
      assertTrue(driver.findElement(By.id("main")).getText().contains("pg_"), "the correlated database records");
      NoOverflow.check(driver, "correlation page of the captured request");
      screenshot("narrow-correlation-captured");
      NoOverflow.assertCaught(driver, "correlation page");
      driver.get(base() + "#/correlation/" + java.net.URLEncoder.encode("fallback-" + XSS, "UTF-8")
          .replace("+", "%20") + "?project=shop");
      wait.until(d -> !d.findElements(By.cssSelector("#main table tbody tr")).isEmpty());
      NoOverflow.check(driver, "correlation page of the request with markup");
      assertNoXss();
      driver.get(base() + "#/flamegraph?project=shop" + window);
      wait.until(d -> !d.findElements(By.cssSelector("#window-flame .frame[data-name]")).isEmpty());
      NoOverflow.check(driver, "flame graph of the captured request's window");
      screenshot("narrow-flamegraph-captured");
      NoOverflow.assertCaught(driver, "flame graph");
    } finally {
      driver.manage().window().setSize(size);
    }
  }

  @Test
  @Order(7)
  @DisplayName("Log out: back to the login form; a deep link then asks for login again")
  void logout() throws Exception {
    driver.get(base() + "#/requests?project=shop");
    wait.until(d -> !requestRows().isEmpty());
    driver.findElement(By.id("logout")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
    assertFalse(driver.findElement(By.id("topbar")).isDisplayed());
    driver.get(base() + "#/requests/" + slowGetId + "?project=shop");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
    assertTrue(driver.findElements(By.id("detail-title")).isEmpty());
  }
}
