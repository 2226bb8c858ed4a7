package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.testsupport.Await;
import com.bitville.apm.listener.testsupport.TestListener;
import com.bitville.apm.listener.tools.simulate.Incident;
import com.bitville.apm.listener.tools.simulate.Scenario;
import com.bitville.apm.listener.tools.simulate.ScenarioSender;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The overview and the window analysis in headless Chromium over four hours of the simulated shop with one
 * incident of every kind of the scenario generator: the spikes are shaded and listed, choosing one (or dragging
 * over it) analyses it with the true culprit first, the culprit's link lists only that window's requests that ran
 * it, deep links reopen the window, the window is shown in UTC and in the browser's zone, nothing overflows at
 * 1024 px and stored markup stays text. Its screenshots (target/screenshots/spike-*.png) are the ones of
 * docs/investigating-a-spike.md.
 */
@DisplayName("Overview and spike analysis in the browser, over the simulated shop")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpikeOverviewBrowserTest {

  private static final long CATCH_UP_DEADLINE_MS = 300_000;

  private static TestListener listener;
  private static Vertx vertx;
  private static ChromeDriver driver;
  private static WebDriverWait wait;
  private static Path profile;
  private static Scenario scenario;
  private static long xssAt;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(BrowserUiTest.CHROMIUM), "Chromium is not installed");
    listener = TestListener.start(new JsonObject().put("ingest", new JsonObject().put("rateLimit",
        new JsonObject().put("perKeyPerSecond", 100_000).put("perClientPerSecond", 100_000))));
    vertx = Vertx.vertx();
    scenario = Scenario.plan(11, "shop", 4, System.currentTimeMillis() - 2 * Scenario.MINUTE_MS, 1,
        java.util.Arrays.asList(Incident.Kind.values()));
    new ScenarioSender(listener.httpsClient(vertx), TestListener.SHOP_KEY).send(scenario);
    xssAt = scenario.toMs() - 20 * Scenario.MINUTE_MS;
    JsonObject xss = BrowserUiTest.xssPayload().put("timestamp", xssAt / 1000.0);
    HttpResponse<Buffer> posted = Await.result(listener.httpsClient(vertx).post("/ingest/php")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).sendJsonObject(xss));
    assertEquals(200, posted.statusCode(), posted.bodyAsString());
    ApiSession shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
    long deadline = System.currentTimeMillis() + CATCH_UP_DEADLINE_MS;
    while (shop.json("/api/overview?project=shop&step=1h").getLong("rollup_backlog") > 0) {
      assertTrue(System.currentTimeMillis() < deadline, "rollups did not catch up in time");
      Thread.sleep(200);
    }
    Files.createDirectories(BrowserUiTest.SCREENSHOTS);
    profile = Files.createTempDirectory("bitville-chromium-spike-");
    System.setProperty("webdriver.chrome.driver", BrowserUiTest.CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions().setBinary(BrowserUiTest.CHROMIUM.toString());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--ignore-certificate-errors", "--window-size=1440,1000", "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    driver = new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(BrowserUiTest.CHROMEDRIVER.toFile()).build(), options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (vertx != null) {
      Await.result(vertx.close());
    }
    if (listener != null) {
      listener.close();
      TestListener.deleteRecursively(profile);
    }
  }

  private static String base() {
    return "https://localhost:" + listener.queryPort() + "/";
  }

  private static String rangeOfScenario() {
    return "range_from=" + scenario.fromMs() + "&range_to=" + scenario.toMs();
  }

  private static Incident incident(Incident.Kind kind) {
    return scenario.incidents().stream().filter(i -> i.kind() == kind).findFirst().orElseThrow();
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  private static void screenshot(String name) throws Exception {
    screenshot(name, null);
  }

  /** A screenshot of the viewport, scrolled to the section of the element with that id (or to the top). */
  private static void screenshot(String name, String scrollToId) throws Exception {
    if (scrollToId == null) {
      js("window.scrollTo(0, 0)");
    } else {
      js("const e = document.getElementById(arguments[0]); (e.closest('section') || e).scrollIntoView()", scrollToId);
    }
    Path file = driver.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(file, BrowserUiTest.SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Opens the overview as a fresh page load (a hash-only change of the same URL would not re-render it). */
  private static void openOverview(String query) {
    driver.get("about:blank");
    driver.get(base() + "#/overview?project=shop&" + query);
    wait.until(d -> !d.findElements(By.cssSelector("#overview-chart canvas")).isEmpty());
    js("window.__events = []; for (const t of ['mousedown', 'mousemove', 'mouseup', 'click']) document.addEventListener(t,"
        + " (e) => { if (window.__events.length < 200) window.__events.push(t + ' ' + e.clientX + ',' + e.clientY"
        + " + ' ' + (e.target.className || e.target.tagName)); }, true);");
  }

  /** Moves the mouse (viewport coordinates) over the chart's plot area at an instant. */
  private static Actions pointAt(Actions actions, long atMs) {
    js("window.scrollTo(0, 0)");
    WebElement chart = driver.findElement(By.id("overview-chart"));
    long min = Long.parseLong(chart.getAttribute("data-x-min"));
    long max = Long.parseLong(chart.getAttribute("data-x-max"));
    @SuppressWarnings("unchecked")
    List<Number> box = (List<Number>) js("const r = document.querySelector('#overview-chart .u-over')"
        + ".getBoundingClientRect(); return [r.left, r.top, r.width, r.height];");
    double fraction = (atMs - min) / (double) (max - min);
    int x = (int) Math.round(box.get(0).doubleValue() + fraction * box.get(2).doubleValue());
    int y = (int) Math.round(box.get(1).doubleValue() + box.get(3).doubleValue() / 2);
    return actions.moveToLocation(x, y);
  }

  private static WebElement firstRow(String tableId) {
    try {
      return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#" + tableId + " tbody tr")));
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("no row in #" + tableId + " at " + driver.getCurrentUrl() + ":\n" + pageText(), e);
    }
  }

  private static String pageText() {
    StringBuilder text = new StringBuilder(driver.findElement(By.id("main")).getText());
    text.append("\nevents: ").append(js("return JSON.stringify((window.__events || []).slice(-20))"));
    text.append("\nover: ").append(js("const r = document.querySelector('#overview-chart .u-over');"
        + " return r ? JSON.stringify(r.getBoundingClientRect()) : 'none'"));
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      text.append("\nbrowser: ").append(entry.getLevel()).append(' ').append(entry.getMessage());
    }
    return text.length() > 6000 ? text.substring(0, 6000) : text.toString();
  }

  @Test
  @Order(1)
  @DisplayName("The start page is the overview: spikes shaded, listed and explained on hover; the threshold is said")
  void overviewShowsTheSpikes() throws Exception {
    driver.get(base());
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user"))).sendKeys(TestListener.SHOP_USER);
    driver.findElement(By.id("login-password")).sendKeys(TestListener.USER_PASSWORD);
    driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    wait.until(d -> !d.findElements(By.cssSelector("#overview-chart canvas")).isEmpty());
    assertEquals("page", driver.findElement(By.cssSelector("a[data-nav=overview]")).getAttribute("aria-current"));

    openOverview(rangeOfScenario());
    List<WebElement> spikes = wait.until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector("#spike-list li.spike"));
      return found.size() == scenario.incidents().size() ? found : null;
    });
    for (Incident planned : scenario.incidents()) {
      assertTrue(spikes.stream().anyMatch(s -> Long.parseLong(s.getAttribute("data-from")) <= planned.fromMs()
          + Scenario.MINUTE_MS && Long.parseLong(s.getAttribute("data-to")) >= planned.toMs() - Scenario.MINUTE_MS),
          planned.kind() + " is listed as a spike");
    }
    assertTrue(driver.findElement(By.id("threshold-note")).getText().contains("Only requests slower than"));
    String legend = driver.findElement(By.cssSelector("#overview-chart .u-legend")).getText();
    for (String series : List.of("slow requests", "p50", "p95", "PHP time", "SQL time", "db active", "db waiting",
        "db blocked", "host load")) {
      assertTrue(legend.contains(series), series + " in " + legend);
    }

    Incident lock = incident(Incident.Kind.LOCK_PILEUP);
    pointAt(new Actions(driver), (lock.fromMs() + lock.toMs()) / 2).perform();
    wait.until(d -> d.findElement(By.id("spike-tip")).getText().startsWith("Spike "));
    String tip = driver.findElement(By.id("spike-tip")).getText();
    assertTrue(tip.contains("baseline") && tip.contains(" UTC") && tip.contains("database sessions waiting"),
        "the hovered spike is the lock pile-up, explained by its signals: " + tip);
    screenshot("spike-overview");
  }

  @Test
  @Order(2)
  @DisplayName("Dragging over a spike analyses it: the true culprit first, and its link lists only the window's requests")
  void dragOverASpikeAndFollowTheCulprit() throws Exception {
    Incident host = incident(Incident.Kind.HOST_CPU);
    openOverview(rangeOfScenario());
    Actions drag = pointAt(new Actions(driver), host.fromMs() + 30_000).clickAndHold();
    pointAt(drag, (host.fromMs() + host.toMs()) / 2);
    pointAt(drag, host.toMs() - 30_000).release().perform();
    try {
      wait.until(d -> d.getCurrentUrl().contains("&from=") && !d.findElements(By.id("an-hosts")).isEmpty());
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("no analysis after the drag at " + driver.getCurrentUrl() + ":\n" + pageText(), e);
    }
    WebElement top = firstRow("an-hosts");
    assertEquals(host.value(), top.getAttribute("data-key"), "the slow host is first");
    assertTrue(driver.findElement(By.id("an-summary")).getText().contains(host.value()));
    String windowText = driver.findElement(By.id("window-text")).getText();
    assertTrue(windowText.contains(" UTC"), windowText);
    String overviewUrl = driver.getCurrentUrl();
    long from = Long.parseLong(param(overviewUrl, "from"));
    long to = Long.parseLong(param(overviewUrl, "to"));
    assertTrue(from >= host.fromMs() - 60_000 && to <= host.toMs() + 60_000, from + ".." + to);

    top.findElement(By.cssSelector("a.culprit-link")).click();
    wait.until(d -> d.getCurrentUrl().contains("#/requests?") && !d.findElements(
        By.cssSelector("#requests-table tbody tr[data-id]")).isEmpty());
    List<WebElement> rows = driver.findElements(By.cssSelector("#requests-table tbody tr[data-id]"));
    for (WebElement row : rows) {
      List<WebElement> cells = row.findElements(By.tagName("td"));
      assertEquals(host.value(), cells.get(7).getText(), "only requests of the culprit host");
      long at = Instant.parse(cells.get(0).getText().replace(" UTC", "Z").replace(' ', 'T')
          .replaceAll("(est\\.)", "").trim()).toEpochMilli();
      assertTrue(at >= from && at < to, "only requests of the window: " + cells.get(0).getText());
    }

    driver.get("about:blank");
    driver.get(overviewUrl);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("window-text")));
    assertEquals(windowText, driver.findElement(By.id("window-text")).getText(), "the deep link reopens the window");
    assertEquals(host.value(), firstRow("an-hosts").getAttribute("data-key"));
  }

  private static String param(String url, String name) {
    for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    throw new AssertionError(name + " not in " + url);
  }

  /** The analysis table of an incident's list and the selector of its culprit's link to its requests. */
  private static String tableOf(Incident incident) {
    return "an-" + incident.list();
  }

  private static String culpritLinkOf(Incident incident) {
    return switch (incident.list()) {
      case "routes", "hosts" -> "a.culprit-link";
      case "functions", "sql" -> "a.culprit-requests";
      default -> "a";
    };
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Incident.Kind.class)
  @Order(3)
  @DisplayName("Every generated incident in at most three clicks from the start page: its spike, its culprit first, the link")
  void everyIncidentInThreeClicks(Incident.Kind kind) throws Exception {
    Incident incident = incident(kind);
    driver.get("about:blank");
    driver.get(base());
    WebElement spike = wait.until(d -> d.findElements(By.cssSelector("#spike-list li.spike")).stream()
        .filter(s -> Long.parseLong(s.getAttribute("data-from")) <= incident.fromMs() + 2 * Scenario.MINUTE_MS
            && Long.parseLong(s.getAttribute("data-to")) >= incident.toMs() - 2 * Scenario.MINUTE_MS)
        .findFirst().orElse(null));
    spike.findElement(By.cssSelector("button.spike-open")).click();
    WebElement top = firstRow(tableOf(incident));
    assertEquals(incident.value(), top.getAttribute("data-key"), kind + ": the culprit is first in "
        + tableOf(incident));
    String summary = driver.findElement(By.id("an-summary")).getText();
    assertTrue(summary.contains(incident.mention()), kind + ": the summary names " + incident.mention() + ":\n"
        + summary);
    if (kind == Incident.Kind.N_PLUS_ONE) {
      double perRequest = Double.parseDouble(top.findElements(By.tagName("td")).get(2).getText());
      assertTrue(perRequest >= 10, "flagged by its runs per request: " + perRequest);
    }
    String analysisUrl = driver.getCurrentUrl();
    long from = Long.parseLong(param(analysisUrl, "from"));
    long to = Long.parseLong(param(analysisUrl, "to"));
    screenshot("spike-" + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), tableOf(incident));
    top.findElement(By.cssSelector(culpritLinkOf(incident))).click();
    if (kind == Incident.Kind.LOCK_PILEUP) {
      wait.until(d -> d.getCurrentUrl().contains("#/correlation/" + incident.value()));
      wait.until(d -> d.findElements(By.cssSelector("#main table a[href*='#/requests/']")).stream()
          .anyMatch(a -> a.getText().contains("/admin/stock/import")));
      return;
    }
    assertRanTheCulprit(incident, followedList(from, to));
    if (kind == Incident.Kind.MISSING_INDEX) {
      driver.get("about:blank");
      driver.get(analysisUrl);
      WebElement statement = firstRow("an-db-statements");
      assertTrue(statement.getText().contains("\"customers\".\"email\" = $1"), "the database side shows it first too: "
          + statement.getText());
      assertEquals(incident.value(), statement.getAttribute("data-fingerprint"), "the same statement on both sides");
      screenshot("spike-missing-index-database", "an-db-statements");
      statement.findElement(By.cssSelector("a.culprit-requests")).click();
      assertRanTheCulprit(incident, followedList(from, to));
    }
  }

  /** Every listed request ran the incident's culprit (checked against its stored record), and some are listed. */
  private static void assertRanTheCulprit(Incident incident, List<Long> listed) throws Exception {
    assertFalse(listed.isEmpty(), incident.kind() + ": the culprit's link lists requests");
    ApiSession shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
    for (WebElement row : driver.findElements(By.cssSelector("#requests-table tbody tr[data-id]"))) {
      List<WebElement> cells = row.findElements(By.tagName("td"));
      switch (incident.list()) {
        case "routes" -> assertEquals(incident.value(), cells.get(1).findElement(By.cssSelector(".route-text")).getText());
        case "hosts" -> assertEquals(incident.value(), cells.get(7).getText());
        default -> { }
      }
    }
    String ran = switch (incident.list()) {
      case "functions" -> io.vertx.core.json.Json.encode(incident.value());
      case "sql" -> "\"fingerprint\":\"" + incident.value() + "\"";
      default -> null;
    };
    if (ran != null) {
      for (long id : listed) {
        assertTrue(shop.get("/api/requests/" + id).bodyAsString().contains(ran), "request " + id + " ran " + ran);
      }
    }
  }

  @Test
  @Order(4)
  @DisplayName("At 1024 px no table or panel of the overview, analysis, routes, a request, the list, the database, a "
      + "correlation or a window's flame graph is wider than its box (and the check catches one that is)")
  void nothingOverflowsAt1024() throws Exception {
    Dimension size = driver.manage().window().getSize();
    driver.manage().window().setSize(new Dimension(1024, 900));
    try {
      Incident slow = incident(Incident.Kind.SLOW_FUNCTION);
      String window = "&from=" + slow.fromMs() + "&to=" + slow.toMs();
      openOverview(rangeOfScenario() + window);
      firstRow("an-sql");
      assertNoOverflow("overview");
      driver.get(base() + "#/routes?project=shop" + window);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("routes-table")));
      assertNoOverflow("routes");
      ApiSession shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
      long id = shop.json("/api/requests?project=shop&sort=duration&limit=1" + window).getJsonArray("items")
          .getJsonObject(0).getLong("id");
      driver.get(base() + "#/requests/" + id + "?project=shop");
      wait.until(ExpectedConditions.invisibilityOfElementWithText(By.cssSelector("#sec-comparison + p"),
          "Comparing with the route baseline…"));
      assertNoOverflow("request detail");
      Incident lock = incident(Incident.Kind.LOCK_PILEUP);
      String lockWindow = "&from=" + lock.fromMs() + "&to=" + lock.toMs();
      driver.get(base() + "#/requests?project=shop&sort=duration&function=" + java.net.URLEncoder.encode(slow.value(),
          "UTF-8") + window);
      wait.until(d -> !d.findElements(By.cssSelector("#requests-table tbody tr[data-id]")).isEmpty());
      assertNoOverflow("request list with a function filter");
      driver.get(base() + "#/database?project=shop" + lockWindow);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("db-lock-trees")));
      wait.until(d -> !d.findElements(By.cssSelector("#db-sessions-chart canvas")).isEmpty());
      assertNoOverflow("database view of the lock pile-up");
      driver.get(base() + "#/correlation/" + lock.value() + "?project=shop");
      wait.until(d -> d.findElements(By.cssSelector("#main table tbody tr")).size() > 1);
      assertNoOverflow("correlation page of the lock pile-up's blocker");
      screenshot("narrow-correlation");
      NoOverflow.assertCaught(driver, "correlation page");
      driver.get(base() + "#/flamegraph?project=shop" + window);
      wait.until(d -> !d.findElements(By.cssSelector("#window-flame .frame[data-name]")).isEmpty());
      assertNoOverflow("flame graph of the slow-function window");
      driver.findElements(By.cssSelector("#window-flame .frame[data-name]")).stream()
          .filter(f -> f.getAttribute("data-name").equals(slow.value())).findFirst().orElseThrow().click();
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("window-flame-reset")));
      assertNoOverflow("flame graph zoomed into the slow function");
      screenshot("narrow-flamegraph");
      NoOverflow.assertCaught(driver, "flame graph");
    } finally {
      driver.manage().window().setSize(size);
    }
  }

  private static void assertNoOverflow(String view) {
    NoOverflow.check(driver, view);
  }

  @Test
  @Order(5)
  @DisplayName("XSS: markup in routes, hosts, functions and SQL of the analysis stays inert text")
  void storedMarkupStaysText() throws Exception {
    openOverview(rangeOfScenario() + "&from=" + (xssAt - 120_000) + "&to=" + (xssAt + 120_000));
    wait.until(d -> !d.findElements(By.cssSelector("#an-functions tbody tr")).isEmpty());
    String text = driver.findElement(By.id("main")).getText();
    assertTrue(text.contains(BrowserUiTest.XSS.substring(0, 20)), "the markup is shown as text");
    try {
      driver.switchTo().alert();
      throw new AssertionError("an alert opened");
    } catch (NoAlertPresentException expected) {
      // good
    }
    assertEquals(null, js("return window.__xss === undefined ? null : window.__xss"));
    assertEquals(1L, js("return document.querySelectorAll('script').length"));
    assertEquals(0L, js("return document.querySelectorAll('img, iframe, object, embed').length"));
    assertEquals(0L, js("return [...document.querySelectorAll('*')].filter(e => [...e.attributes]"
        + ".some(a => a.name.startsWith('on'))).length"));
    assertFalse(text.isEmpty());
  }

  private static double widthShare(String flameId, String name) {
    return ((Number) js("const f = document.getElementById(arguments[0]);"
        + " const frames = [...f.querySelectorAll('.frame[data-name]')].filter(e => e.dataset.name === arguments[1]);"
        + " return frames.reduce((s, e) => s + e.getBoundingClientRect().width, 0) / f.getBoundingClientRect().width;",
        flameId, name)).doubleValue();
  }

  @Test
  @Order(6)
  @DisplayName("Flame graphs: the window's and a request's show the slow function on the hot path; search and zoom")
  void flameGraphsShowTheHotPath() throws Exception {
    Incident slow = incident(Incident.Kind.SLOW_FUNCTION);
    openOverview(rangeOfScenario() + "&from=" + slow.fromMs() + "&to=" + slow.toMs());
    assertTrue(driver.findElement(By.id("window-flame-link")).getAttribute("href").contains("#/flamegraph?"));
    firstRow("an-functions").findElement(By.cssSelector("a.culprit-link")).click();
    wait.until(d -> !d.findElements(By.cssSelector("#window-flame .frame[data-name]")).isEmpty());
    double share = widthShare("window-flame", slow.value());
    assertTrue(share > 0.4, "the slow function is most of the window's flame graph: " + share);
    assertEquals(slow.value(), driver.findElement(By.id("window-flame-search")).getAttribute("value"),
        "the function's link opens the flame graph searching it");
    assertTrue(driver.findElements(By.cssSelector("#window-flame .frame.match")).stream()
        .allMatch(f -> f.getAttribute("data-name").equals(slow.value())));
    driver.findElement(By.id("window-flame-search")).clear();
    driver.findElement(By.id("window-flame-search")).sendKeys("applyDiscounts");
    wait.until(d -> !d.findElements(By.cssSelector("#window-flame .frame.match")).isEmpty());
    assertTrue(driver.findElement(By.id("window-flame-found")).getText().endsWith("frames match"));
    screenshot("spike-flamegraph");
    driver.findElement(By.cssSelector("#window-flame .frame.match")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("window-flame-reset")));
    assertTrue(widthShare("window-flame", slow.value()) > 0.99, "zoomed into the function");

    ApiSession shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
    long id = shop.json("/api/requests?project=shop&route=%2Fproducts%2F%7Bid%7D&sort=duration&limit=1&from="
        + slow.fromMs() + "&to=" + slow.toMs()).getJsonArray("items").getJsonObject(0).getLong("id");
    driver.get(base() + "#/requests/" + id + "?project=shop");
    wait.until(d -> !d.findElements(By.cssSelector("#request-flame .frame[data-name]")).isEmpty());
    double requestShare = widthShare("request-flame", slow.value());
    assertTrue(requestShare > 0.25, "the slowest product page of the incident spends its time in the slow function: "
        + requestShare);
    assertTrue(driver.findElement(By.id("sec-flame-graph")).findElement(By.xpath("..")).getText()
        .contains("only its top edges"), "the note on the agent's truncation");
  }

  @Test
  @Order(7)
  @DisplayName("A function or SQL culprit links to the window's requests that ran it; the filter is shown and removable")
  void culpritLinksListOnlyTheRequestsThatRanIt() throws Exception {
    Incident slow = incident(Incident.Kind.SLOW_FUNCTION);
    String window = "&from=" + slow.fromMs() + "&to=" + slow.toMs();
    ApiSession shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
    int inWindow = shop.json("/api/requests?project=shop&limit=200" + window).getJsonArray("items").size();

    openOverview(rangeOfScenario() + window);
    WebElement top = firstRow("an-functions");
    assertEquals(slow.value(), top.getAttribute("data-key"));
    top.findElement(By.cssSelector("a.culprit-requests")).click();
    List<Long> listed = followedList(slow.fromMs(), slow.toMs());
    assertTrue(listed.size() < inWindow, "requests without the function are left out: " + listed.size() + " of "
        + inWindow);
    for (long id : listed) {
      assertTrue(shop.get("/api/requests/" + id).bodyAsString().contains(io.vertx.core.json.Json.encode(slow.value())),
          "request " + id + " ran " + slow.value());
    }
    WebElement chip = driver.findElement(By.cssSelector("#key-filters .key-filter[data-filter=function]"));
    assertTrue(chip.getText().contains(slow.value()), chip.getText());
    assertTrue(driver.findElement(By.id("key-filters")).getText().contains("the rollup has processed"));
    screenshot("requests-of-a-function");
    chip.findElement(By.cssSelector("button.remove-filter")).click();
    wait.until(d -> !d.getCurrentUrl().contains("function=") && d.findElements(By.id("key-filters")).isEmpty()
        && !d.findElements(By.cssSelector("#requests-table tbody tr[data-id]")).isEmpty());
    assertTrue(driver.getCurrentUrl().contains("from=" + slow.fromMs()), "the window stays when the filter goes");

    openOverview(rangeOfScenario() + window);
    WebElement sql = firstRow("an-sql");
    String fingerprint = sql.getAttribute("data-key");
    sql.findElement(By.cssSelector("a.culprit-requests")).click();
    List<Long> ranSql = followedList(slow.fromMs(), slow.toMs());
    assertTrue(driver.getCurrentUrl().contains("sql_fingerprint=" + fingerprint), driver.getCurrentUrl());
    for (long id : ranSql) {
      assertTrue(shop.get("/api/requests/" + id).bodyAsString().contains("\"fingerprint\":\"" + fingerprint + "\""),
          "request " + id + " ran " + fingerprint);
    }
  }

  /**
   * A window as the UI must show it: ISO date and 24-hour time in UTC, then in the zone with its name and offset
   * (the date repeated at the end only when the day changes), then its length.
   */
  private static String windowText(long from, long to, ZoneId zone) {
    DateTimeFormatter stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    String utc = range(stamp.format(Instant.ofEpochMilli(from).atZone(ZoneOffset.UTC)),
        stamp.format(Instant.ofEpochMilli(to).atZone(ZoneOffset.UTC)));
    String local = range(stamp.format(Instant.ofEpochMilli(from).atZone(zone)),
        stamp.format(Instant.ofEpochMilli(to).atZone(zone)));
    String offset = zone.getRules().getOffset(Instant.ofEpochMilli(from)).getId();
    long minutes = (to - from) / 60_000;
    assertTrue(minutes < 60, "the expected text is only written for windows under an hour");
    return utc + " UTC (" + local + " " + zone.getId() + ", UTC" + offset + "), " + minutes + " min";
  }

  private static String range(String from, String to) {
    return from + " – " + (from.substring(0, 10).equals(to.substring(0, 10)) ? to.substring(11) : to);
  }

  @Test
  @Order(8)
  @DisplayName("In a browser in Asia/Kolkata the window is shown in UTC and in local time, both correct and labelled")
  void windowInUtcAndTheBrowsersZone() throws Exception {
    ZoneId kolkata = ZoneId.of("Asia/Kolkata");
    driver.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", kolkata.getId()));
    try {
      Incident lock = incident(Incident.Kind.LOCK_PILEUP);
      openOverview(rangeOfScenario() + "&from=" + lock.fromMs() + "&to=" + lock.toMs());
      // ICU may name it by its older alias, Asia/Calcutta: the UI shows the name the browser reports
      ZoneId browserZone = ZoneId.of((String) js("return Intl.DateTimeFormat().resolvedOptions().timeZone"));
      assertEquals(kolkata.getRules(), browserZone.getRules(), browserZone + " is the zone the test set");
      String expected = windowText(lock.fromMs(), lock.toMs(), browserZone);
      assertEquals(expected, wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("window-text"))).getText());
      assertTrue(driver.findElement(By.id("overview-range")).getText().contains(" UTC (")
          && driver.findElement(By.id("overview-range")).getText().contains(" " + browserZone.getId() + ", UTC+05:30)"),
          "the chart's range in both zones: " + driver.findElement(By.id("overview-range")).getText());
      WebElement spike = driver.findElements(By.cssSelector("#spike-list li.spike")).stream()
          .filter(s -> Long.parseLong(s.getAttribute("data-from")) <= lock.fromMs() + Scenario.MINUTE_MS
              && Long.parseLong(s.getAttribute("data-to")) >= lock.toMs() - Scenario.MINUTE_MS)
          .findFirst().orElseThrow();
      long spikeFrom = Long.parseLong(spike.getAttribute("data-from"));
      long spikeTo = Long.parseLong(spike.getAttribute("data-to"));
      assertEquals("Spike " + windowText(spikeFrom, spikeTo, browserZone),
          spike.findElement(By.cssSelector("button.spike-open")).getText());
      screenshot("spike-window-kolkata", "window-text");

      driver.findElement(By.cssSelector("#analysis .window-links a")).click();
      WebElement note = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("list-window")));
      assertEquals("Window: " + expected, note.getText());
      DateTimeFormatter utc = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
      assertEquals(utc.format(Instant.ofEpochMilli(lock.fromMs())), driver.findElement(By.id("f-from"))
          .getAttribute("value"), "the From field is UTC, in the same ISO format");
      assertEquals(utc.format(Instant.ofEpochMilli(lock.toMs())), driver.findElement(By.id("f-to")).getAttribute("value"));
      driver.findElement(By.cssSelector("#filters button[type=submit]")).click();
      wait.until(d -> d.getCurrentUrl().contains("from=" + Instant.ofEpochMilli(lock.fromMs()).toString()
          .replace(":", "%3A").replace("Z", "")));
      assertEquals("Window: " + expected, wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("list-window")))
          .getText(), "searching again keeps the same window");

      String window = "&from=" + lock.fromMs() + "&to=" + lock.toMs();
      driver.get(base() + "#/routes?project=shop" + window);
      assertEquals("Exact, " + expected + ".", wait.until(ExpectedConditions.visibilityOfElementLocated(
          By.id("routes-window"))).getText());
      driver.get(base() + "#/database?project=shop" + window);
      assertTrue(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("db-window"))).getText()
          .startsWith("Window " + expected + " · "), driver.findElement(By.id("db-window")).getText());
      long ragged = lock.fromMs() + 15_000;
      driver.get(base() + "#/database?project=shop&from=" + ragged + "&to=" + lock.toMs());
      String withSeconds = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("db-window"))).getText();
      DateTimeFormatter seconds = DateTimeFormatter.ofPattern("HH:mm:ss");
      assertTrue(withSeconds.contains(seconds.format(Instant.ofEpochMilli(ragged).atZone(ZoneOffset.UTC)) + " – ")
          && withSeconds.contains(seconds.format(Instant.ofEpochMilli(ragged).atZone(browserZone)) + " – "),
          "a window off whole minutes is shown to the second, in both zones: " + withSeconds);
    } finally {
      driver.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
    }
  }

  /** Waits for the request list a culprit link opened; checks every row is in the window; returns the ids. */
  private static List<Long> followedList(long from, long to) {
    try {
      wait.until(d -> d.getCurrentUrl().contains("#/requests?") && !d.findElements(
          By.cssSelector("#requests-table tbody tr[data-id]")).isEmpty());
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("no requests at " + driver.getCurrentUrl() + ":\n" + pageText(), e);
    }
    List<Long> ids = new java.util.ArrayList<>();
    for (WebElement row : driver.findElements(By.cssSelector("#requests-table tbody tr[data-id]"))) {
      String when = row.findElements(By.tagName("td")).get(0).getText();
      long at = Instant.parse(when.replace(" UTC", "Z").replace(' ', 'T').replaceAll("(est\\.)", "").trim())
          .toEpochMilli();
      assertTrue(at >= from && at < to, "only requests of the window: " + when);
      ids.add(Long.parseLong(row.getAttribute("data-id")));
    }
    return ids;
  }
}
