package com.bitville.apm.listener.tools.simulate;

import java.util.List;

/**
 * The simulated shop: its routes with their traffic (all requests, most of them fast and never sent by the PHP
 * agent), latency distributions, call chains and SQL statements, and its web hosts.
 */
final class Routes {

  /** A statement template: {@code sql} with {@code %d} for a literal as the application sends it, {@code pg} as
   * pg_stat_statements shows it; {@code weight} its share of the route's SQL time; {@code calls} per request. */
  record Statement(String sql, String pg, double weight, int calls) {
  }

  /**
   * @param urlTemplate path with {@code %d} for an id
   * @param perMinute all requests per minute (fast ones included)
   * @param medianMs median duration of all requests; {@code sigma} of the log-normal distribution
   * @param sqlShare share of a request's time spent in SQL; {@code renderShare} in the view
   */
  record Route(String method, String urlTemplate, String route, double perMinute, double medianMs, double sigma,
      String action, String service, double sqlShare, double renderShare, List<Statement> statements) {
  }

  static final String KERNEL = "App\\Http\\Kernel::handle";
  static final String REPOSITORY = "App\\Repositories\\Repository::q";
  static final String DB_QUERY = "Phalcon\\Db\\Adapter\\Pdo\\Postgresql::query";
  static final String PDO_EXECUTE = "PDOStatement::execute";
  static final String VIEW = "Phalcon\\Mvc\\View::render";
  static final String VOLT = "Phalcon\\Mvc\\View\\Engine\\Volt::render";
  static final String DISCOUNTS = "App\\Services\\PriceCalculator::applyDiscounts";
  static final String RULE_MATCHES = "App\\Models\\DiscountRule::matches";
  static final String PAYMENT = "App\\Services\\PaymentGateway::charge";

  static final Statement ORDER_ITEMS = new Statement(
      "SELECT \"order_items\".\"id\", \"order_items\".\"sku\", \"order_items\".\"qty\", \"order_items\".\"price\" "
          + "FROM \"order_items\" WHERE \"order_items\".\"order_id\" = %d",
      "SELECT \"order_items\".\"id\", \"order_items\".\"sku\", \"order_items\".\"qty\", \"order_items\".\"price\" "
          + "FROM \"order_items\" WHERE \"order_items\".\"order_id\" = $1", 0, 1);
  static final Statement STOCK_FOR_UPDATE = new Statement(
      "SELECT \"stock_levels\".\"qty\" FROM \"stock_levels\" WHERE \"stock_levels\".\"sku\" = 'SKU-%d' FOR UPDATE",
      "SELECT \"stock_levels\".\"qty\" FROM \"stock_levels\" WHERE \"stock_levels\".\"sku\" = $1 FOR UPDATE", 0.2, 1);
  static final Statement CUSTOMER_BY_EMAIL = new Statement(
      "SELECT \"customers\".\"id\", \"customers\".\"name\", \"customers\".\"vip\" FROM \"customers\" "
          + "WHERE \"customers\".\"email\" = 'user%d@example.com'",
      "SELECT \"customers\".\"id\", \"customers\".\"name\", \"customers\".\"vip\" FROM \"customers\" "
          + "WHERE \"customers\".\"email\" = $1", 0.1, 1);
  static final String IMPORT_BLOCKING_SQL = "UPDATE \"stock_levels\" SET \"qty\" = \"qty\" + 10 WHERE \"warehouse_id\" = 3";

  static final List<String> HOSTS = List.of("web-1", "web-2", "web-3", "web-4");

  static final List<Route> ALL = List.of(
      new Route("GET", "/products/%d", "/products/{id}", 150, 190, 0.5, "App\\Http\\Kernel::productShow",
          "App\\Services\\CatalogService::productView", 0.3, 0.2, List.of(
              new Statement("SELECT \"products\".\"id\", \"products\".\"name\", \"products\".\"price\" FROM "
                  + "\"products\" WHERE \"products\".\"id\" = %d", "SELECT \"products\".\"id\", \"products\"."
                  + "\"name\", \"products\".\"price\" FROM \"products\" WHERE \"products\".\"id\" = $1", 0.3, 1),
              new Statement("SELECT \"reviews\".* FROM \"reviews\" WHERE \"reviews\".\"product_id\" = %d ORDER BY "
                  + "\"reviews\".\"created_at\" DESC LIMIT 20", "SELECT \"reviews\".* FROM \"reviews\" WHERE "
                  + "\"reviews\".\"product_id\" = $1 ORDER BY \"reviews\".\"created_at\" DESC LIMIT $2", 0.5, 1),
              new Statement("SELECT \"stock_levels\".\"qty\" FROM \"stock_levels\" WHERE \"stock_levels\"."
                  + "\"product_id\" = %d", "SELECT \"stock_levels\".\"qty\" FROM \"stock_levels\" WHERE "
                  + "\"stock_levels\".\"product_id\" = $1", 0.2, 1))),
      new Route("GET", "/search?q=shirt&page=%d", "/search", 80, 220, 0.5, "App\\Http\\Kernel::search",
          "App\\Services\\SearchService::query", 0.6, 0.15, List.of(
              new Statement("SELECT \"products\".\"id\", \"products\".\"name\" FROM \"products\" WHERE "
                  + "\"products\".\"name\" ILIKE '%%shirt%%' ORDER BY \"products\".\"rank\" LIMIT 20 OFFSET %d",
                  "SELECT \"products\".\"id\", \"products\".\"name\" FROM \"products\" WHERE \"products\".\"name\" "
                  + "ILIKE $1 ORDER BY \"products\".\"rank\" LIMIT $2 OFFSET $3", 1.0, 1))),
      new Route("GET", "/orders?page=%d", "/orders", 60, 200, 0.5, "App\\Http\\Kernel::ordersIndex",
          "App\\Services\\OrderService::listOrders", 0.5, 0.2, List.of(
              new Statement("SELECT \"orders\".* FROM \"orders\" WHERE \"orders\".\"customer_id\" = %d ORDER BY "
                  + "\"orders\".\"created_at\" DESC LIMIT 25", "SELECT \"orders\".* FROM \"orders\" WHERE "
                  + "\"orders\".\"customer_id\" = $1 ORDER BY \"orders\".\"created_at\" DESC LIMIT $2", 0.7, 1),
              new Statement("SELECT count(*) FROM \"orders\" WHERE \"orders\".\"customer_id\" = %d",
                  "SELECT count(*) FROM \"orders\" WHERE \"orders\".\"customer_id\" = $1", 0.3, 1))),
      new Route("POST", "/checkout/confirm", "/checkout/confirm", 40, 260, 0.45,
          "App\\Http\\Kernel::checkoutConfirm", "App\\Services\\CheckoutService::confirm", 0.4, 0.1, List.of(
              STOCK_FOR_UPDATE,
              new Statement("UPDATE \"stock_levels\" SET \"qty\" = \"qty\" - 1 WHERE \"stock_levels\".\"sku\" = "
                  + "'SKU-%d'", "UPDATE \"stock_levels\" SET \"qty\" = \"qty\" - $1 WHERE \"stock_levels\".\"sku\" = $2",
                  0.2, 1),
              new Statement("INSERT INTO \"payments\" (\"order_id\", \"amount\") VALUES (%d, 49.90)",
                  "INSERT INTO \"payments\" (\"order_id\", \"amount\") VALUES ($1, $2)", 0.2, 1),
              new Statement("UPDATE \"orders\" SET \"status\" = 'paid' WHERE \"orders\".\"id\" = %d",
                  "UPDATE \"orders\" SET \"status\" = $1 WHERE \"orders\".\"id\" = $2", 0.3, 1),
              CUSTOMER_BY_EMAIL)),
      new Route("GET", "/account", "/account", 70, 170, 0.5, "App\\Http\\Kernel::accountShow",
          "App\\Services\\AccountService::overview", 0.4, 0.25, List.of(
              CUSTOMER_BY_EMAIL,
              new Statement("SELECT \"addresses\".* FROM \"addresses\" WHERE \"addresses\".\"customer_id\" = %d",
                  "SELECT \"addresses\".* FROM \"addresses\" WHERE \"addresses\".\"customer_id\" = $1", 0.9, 1))),
      new Route("GET", "/reports/export?format=csv&month=%d", "/reports/export", 2, 700, 0.4,
          "App\\Http\\Kernel::reportsExport", "App\\Services\\ReportService::export", 0.7, 0.05, List.of(
              new Statement("SELECT date_trunc('day', \"orders\".\"created_at\"), sum(\"orders\".\"total\") FROM "
                  + "\"orders\" WHERE \"orders\".\"created_at\" >= '2026-%d-01' GROUP BY 1 ORDER BY 1",
                  "SELECT date_trunc($1, \"orders\".\"created_at\"), sum(\"orders\".\"total\") FROM \"orders\" "
                  + "WHERE \"orders\".\"created_at\" >= $2 GROUP BY 1 ORDER BY 1", 1.0, 1))));

  static Route byRoute(String route) {
    return ALL.stream().filter(r -> r.route().equals(route)).findFirst().orElseThrow();
  }

  /** A stable pg_stat_statements queryid for a statement's normalized text. */
  static String queryId(String pgText) {
    long hash = 1125899906842597L;
    for (int i = 0; i < pgText.length(); i++) {
      hash = 31 * hash + pgText.charAt(i);
    }
    return Long.toString(hash);
  }

  private Routes() {
  }
}
