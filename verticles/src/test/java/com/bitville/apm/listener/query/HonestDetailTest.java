package com.bitville.apm.listener.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the agent sent, shown honestly: SQL and functions the agent cut are counted as missing (N+1 counts become
 * lower bounds), and a comparison treats requests without SQL or XHProf data as unknown, never as zero.
 */
class HonestDetailTest {

  private static TestListener listener;
  private static Vertx vertx;
  private static WebClient ingest;
  private static ApiSession shop;
  private static long withData;
  private static long withoutData;
  private static long laterWithData;
  private static long truncated;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start();
    vertx = Vertx.vertx();
    ingest = listener.httpsClient(vertx);
    JsonObject slowGet = Fixtures.phpJson("wire/slow_get.json");
    withData = post(slowGet.toBuffer());
    JsonObject plain = Fixtures.phpJson("wire/nosql_noxhprof.json");
    withoutData = post(plain.toBuffer());
    laterWithData = post(newRequest(slowGet, plain.getDouble("timestamp") + 10).toBuffer());
    JsonObject cut = newRequest(slowGet, plain.getDouble("timestamp") + 20);
    cut.getJsonObject("sql").getJsonObject("summary").put("total_queries", 137).put("queries_truncated", true);
    cut.getJsonObject("_meta").put("sql_truncated", true).put("truncated", true);
    truncated = post(cut.toBuffer());
    shop = ApiSession.of(listener.queryClient(vertx), TestListener.SHOP_USER);
  }

  @AfterAll
  static void stop() throws Exception {
    ingest.close();
    Await.result(vertx.close());
    listener.close();
  }

  private static JsonObject newRequest(JsonObject payload, double timestamp) {
    return payload.copy().put("correlation_id", UUID.randomUUID().toString()).put("timestamp", timestamp);
  }

  private static long post(Buffer body) throws Exception {
    HttpResponse<Buffer> response = Await.result(ingest.post("/ingest/php")
        .putHeader("Authorization", "Bearer " + TestListener.SHOP_KEY).putHeader("Content-Type", "application/json")
        .sendBuffer(body));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    return response.bodyAsJsonObject().getJsonArray("ids").getLong(0);
  }

  @Test
  @DisplayName("The page's comparison reuses the request just shown: no second read (it answers even after the row "
      + "is gone), same answer, and never for a user of another project")
  void comparisonReusesTheShownRequest() throws Exception {
    double at = Fixtures.phpJson("wire/nosql_noxhprof.json").getDouble("timestamp") + 30;
    long shown = post(newRequest(Fixtures.phpJson("wire/slow_get.json"), at).toBuffer());
    long notShown = post(newRequest(Fixtures.phpJson("wire/slow_get.json"), at + 1).toBuffer());
    shop.json("/api/requests/" + shown);
    JsonObject first = shop.json("/api/requests/" + shown + "/comparison?window=7d");
    ApiSession other = ApiSession.of(listener.queryClient(vertx), TestListener.OTHER_USER);
    assertEquals(404, other.get("/api/requests/" + shown + "/comparison").statusCode());
    listener.rows("DELETE FROM records WHERE id IN (?, ?) RETURNING id", shown, notShown);
    assertEquals(0, listener.count("SELECT count(*) FROM records WHERE id IN (?, ?)", shown, notShown));
    assertEquals(first, shop.json("/api/requests/" + shown + "/comparison?window=7d"),
        "answered from the profile the detail built, not from storage");
    assertEquals(404, shop.get("/api/requests/" + notShown + "/comparison").statusCode(),
        "a request not shown is read from storage");
    assertEquals(404, other.get("/api/requests/" + shown + "/comparison").statusCode());
  }

  @Test
  @DisplayName("Cut SQL: how many statements are missing; repeated-statement counts marked as lower bounds")
  void truncationInDetail() throws Exception {
    JsonObject detail = shop.json("/api/requests/" + truncated);
    JsonObject sql = detail.getJsonObject("sql");
    assertEquals(new JsonObject().put("truncated", true).put("sent", 47).put("total", 137).put("missing", 90),
        sql.getJsonObject("truncation"));
    JsonArray repeated = sql.getJsonArray("repeated");
    assertFalse(repeated.isEmpty(), "slow_get repeats statements");
    repeated.forEach(r -> assertTrue(((JsonObject) r).getBoolean("lower_bound")));
    JsonObject functions = detail.getJsonObject("functions_truncation");
    assertTrue(functions.getBoolean("truncated"));
    assertTrue(functions.getInteger("total") > functions.getInteger("sent"), functions.encode());

    JsonObject whole = shop.json("/api/requests/" + withData).getJsonObject("sql");
    assertEquals(new JsonObject().put("truncated", false).put("sent", 47).put("total", 47).put("missing", 0),
        whole.getJsonObject("truncation"));
    whole.getJsonArray("repeated").forEach(r -> assertFalse(((JsonObject) r).getBoolean("lower_bound")));
  }

  @Test
  @DisplayName("Comparison: a request without SQL/XHProf is unknown; the typical request averages only those with data")
  void missingDataIsUnknown() throws Exception {
    JsonObject none = shop.json("/api/requests/" + withoutData + "/comparison?window=7d");
    assertNull(none.getValue("sql"));
    assertNull(none.getValue("functions"));
    assertEquals("this request carries no SQL data", none.getString("sql_unknown"));
    assertEquals("this request carries no XHProf data", none.getString("functions_unknown"));

    JsonObject same = shop.json("/api/requests/" + laterWithData + "/comparison?window=7d");
    JsonObject baseline = same.getJsonObject("baseline");
    assertEquals(2, baseline.getInteger("sample_size"), baseline.encode());
    assertEquals(1, baseline.getInteger("sql_sample_size"));
    assertEquals(1, baseline.getInteger("xhprof_sample_size"));
    assertFalse(same.getJsonArray("sql").isEmpty());
    same.getJsonArray("sql").forEach(s -> assertEquals(0.0, ((JsonObject) s).getDouble("diff_time_ms"), 0.05,
        "the same statements as the one request with SQL: no difference, not half of it"));
    same.getJsonArray("functions").forEach(f -> assertEquals(0L, ((JsonObject) f).getLong("diff_wall_us"),
        ((JsonObject) f).encode()));

    JsonObject first = shop.json("/api/requests/" + withData + "/comparison?window=7d");
    assertEquals(0, first.getJsonObject("baseline").getInteger("sample_size"));
  }

  @Test
  @DisplayName("The detail view says what is missing and what is unknown (headless Chromium)")
  void shownInTheBrowser() throws Exception {
    Path chromium = BrowserUiTest.CHROMIUM;
    Assumptions.assumeTrue(Files.isExecutable(chromium), "Chromium is not installed at " + chromium);
    Path profile = Files.createTempDirectory("bitville-chromium-");
    System.setProperty("webdriver.chrome.driver", BrowserUiTest.CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions().setBinary(chromium.toString());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--ignore-certificate-errors", "--window-size=1440,1000", "--user-data-dir=" + profile);
    ChromeDriver driver = new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(BrowserUiTest.CHROMEDRIVER.toFile()).build(), options);
    try {
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
      String base = "https://localhost:" + listener.queryPort() + "/";
      driver.get(base);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")))
          .sendKeys(TestListener.SHOP_USER);
      driver.findElement(By.id("login-password")).sendKeys(TestListener.USER_PASSWORD);
      driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("threshold-note")));
      driver.get(base + "#/requests/" + truncated + "?project=shop");
      String cut = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sql-truncated"))).getText();
      assertTrue(cut.contains("47 statements sent of 137, 90 missing") && cut.contains("lower bounds"), cut);
      assertTrue(driver.findElement(By.cssSelector(".nplus1")).getText().contains("≥ "));
      driver.get(base + "#/requests/" + withoutData + "?project=shop");
      String unknown = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("comparison-sql-unknown")))
          .getText();
      assertTrue(unknown.contains("unknown"), unknown);
    } finally {
      driver.quit();
      TestListener.deleteRecursively(profile);
    }
  }
}
