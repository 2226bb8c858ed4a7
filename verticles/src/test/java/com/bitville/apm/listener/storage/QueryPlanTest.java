package com.bitville.apm.listener.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.bitville.apm.listener.storage.api.RequestReads;
import com.bitville.apm.listener.storage.api.RequestReads.RequestFilter;
import com.bitville.apm.listener.testsupport.TestListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Keeps list pages cheap at millions of rows: every list variant must read one ordered index range (no sort of
 * all matching rows: "USE TEMP B-TREE" over the whole project), and correlation lookups must go by id.
 */
@DisplayName("Query plans of the list and correlation queries on the migrated schema")
class QueryPlanTest {

  private static TestListener listener;

  @BeforeAll
  static void start() throws Exception {
    listener = TestListener.start();
  }

  @AfterAll
  static void stop() throws Exception {
    listener.close();
  }

  private static String plan(String sql, List<Object> args) throws Exception {
    List<String> lines = new ArrayList<>();
    for (Map<String, Object> row : listener.rows("EXPLAIN QUERY PLAN " + sql, args.toArray())) {
      lines.add(String.valueOf(row.get("detail")));
    }
    return String.join("\n", lines);
  }

  private static List<Object> args(RequestQueries.Statement statement) {
    List<Object> args = new ArrayList<>();
    for (int i = 0; i < statement.args().size(); i++) {
      args.add(statement.args().getValue(i));
    }
    return args;
  }

  private static RequestFilter filter(List<String> projects, String sort, String order, String route,
      Double minDuration, String method, String host, Boolean fatal, Number afterValue, Long afterId) {
    return new RequestFilter(projects, sort, order, 50, null, null, route, null, method, null, null, host,
        minDuration, null, null, fatal, afterValue, afterId, null, null);
  }

  @Test
  @DisplayName("Single-project pages, every sort and filter, with and without cursor: no full sort")
  void singleProject() throws Exception {
    List<String> shop = List.of("shop");
    List<RequestFilter> variants = List.of(
        filter(shop, "time", "desc", null, null, null, null, null, null, null),
        filter(shop, "time", "desc", null, null, null, null, null, 5L, 9L),
        filter(shop, "duration", "desc", null, null, null, null, null, null, null),
        filter(shop, "duration", "asc", null, 1000.0, null, null, null, 800.5, 9L),
        filter(shop, "time", "desc", "/orders", 1000.0, null, null, null, null, null),
        new RequestFilter(shop, "time", "desc", 50, 1L, 2L, null, "x", "GET", 500, 599, "web1", null, null, null,
            true, null, null, null, null),
        new RequestFilter(shop, "time", "desc", 50, 1L, 2L, null, null, null, null, null, null, null, null, null,
            null, null, null, "0123456789abcdef", "Orders::load"));
    for (RequestFilter params : variants) {
      RequestQueries.Statement statement = RequestQueries.listStatement(params);
      String plan = plan(statement.sql(), args(statement));
      assertFalse(plan.contains("TEMP B-TREE"), params + "\n" + plan);
      assertTrue(plan.contains("USING") && plan.contains("INDEX"), params + "\n" + plan);
    }
  }

  @Test
  @DisplayName("Requests stored after an id (live mode's missed requests) read one bounded rowid range")
  void storedAfter() throws Exception {
    RequestQueries.Statement statement = RequestQueries.storedAfterStatement(filter(List.of("shop"), "time", "asc",
        "/orders", 1000.0, "GET", "web1", true, null, null), 5L, 1_000_000L, 1_000_000);
    String plan = plan(statement.sql(), args(statement));
    assertTrue(plan.contains("USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"), plan);
    assertFalse(plan.contains("TEMP B-TREE"), plan);
    assertEquals(5L + RequestReads.MAX_STORED_AFTER_SCAN, statement.args().getLong(1), "the scan is bounded");
  }

  @Test
  @DisplayName("SQL fingerprint and function filters read the window's keys by their primary key, no scan")
  void requestKeys() throws Exception {
    RequestQueries.Statement statement = RequestQueries.listStatement(new RequestFilter(List.of("shop"), "time",
        "desc", 50, 1L, 2L, null, null, null, null, null, null, null, null, null, null, null, null,
        "0123456789abcdef", "Orders::load"));
    String plan = plan(statement.sql(), args(statement));
    String keyRange = "k USING PRIMARY KEY (project=? AND kind=? AND key=? AND minute_ms>? AND minute_ms<?)";
    assertEquals(2, plan.split(java.util.regex.Pattern.quote(keyRange), -1).length - 1, plan);
  }

  @Test
  @DisplayName("Several projects: one index range each, only the merged pages are sorted")
  void severalProjects() throws Exception {
    RequestFilter params = filter(List.of("shop", "other"), "time", "desc", null, null, null, null, null, null,
        null);
    RequestQueries.Statement statement = RequestQueries.listStatement(params);
    String plan = plan(statement.sql(), args(statement));
    assertTrue(plan.contains("records_php_project_time"), plan);
    assertTrue(plan.contains("CO-ROUTINE"), plan);
  }

  @Test
  @DisplayName("Exact route statistics read only the window's rows through the time index")
  void exactRoutes() throws Exception {
    String plan = plan(QuerySql.ROUTES_EXACT.formatted(QuerySql.marks(1)), List.of(1L, 2L, "shop", 10));
    assertTrue(plan.contains("records_php_project_time (project=? AND event_time_ms>? AND event_time_ms<?)"), plan);
  }

  @Test
  @DisplayName("Correlated records are found through the links and the correlation index, not a project scan")
  void correlation() throws Exception {
    String plan = plan(QuerySql.CORRELATED + QuerySql.marks(1) + QuerySql.CORRELATED_ORDER,
        List.of("a", "a", "shop", 10));
    assertTrue(plan.contains("INTEGER PRIMARY KEY"), plan);
    assertFalse(plan.contains("records_project_time"), plan);
  }
}
