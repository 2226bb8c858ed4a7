package com.bitville.apm.shared.php;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The redactor skips its regexes where they cannot match (no secret column name, no "insert", too few
 * digits for a card number); these cases check that the skipping never lets a secret through, whatever the
 * letter case, and that a payload without secrets comes back as the same array.
 */
class SqlSecretRedactorTest {

  private static final SqlSecretRedactor REDACTOR = new SqlSecretRedactor(
      "passw(?:or)?d|pwd|secret|token|api[_-]?key", List.of("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"), true);

  private static String redactedSql(String sql) {
    byte[] json = new JsonObject().put("sql", sql).encode().getBytes(StandardCharsets.UTF_8);
    return new JsonObject(new String(REDACTOR.redact(json), StandardCharsets.UTF_8)).getString("sql");
  }

  @Test
  void comparisonWithSecretColumnInAnyCase() {
    assertEquals("select 1 from u where PassWord = '[REDACTED]' and name = 'x'",
        redactedSql("select 1 from u where PassWord = 'hunter2' and name = 'x'"));
    assertEquals("UPDATE u SET \"Api_Key\" LIKE '[REDACTED]'", redactedSql("UPDATE u SET \"Api_Key\" LIKE 'k-1'"));
  }

  @Test
  void lowerCaseInsertIntoSecretColumn() {
    assertEquals("insert into users (name, pwd) values ('a', '[REDACTED]'), ('b', '[REDACTED]')",
        redactedSql("insert into users (name, pwd) values ('a', 's1'), ('b', 's2')"));
  }

  @Test
  void cardNumbersAndValuePatternsWithoutSecretColumns() {
    assertEquals("SELECT * FROM p WHERE note = '[REDACTED]' AND n = '12345678901'",
        redactedSql("SELECT * FROM p WHERE note = '4111-1111-1111-1111' AND n = '12345678901'"));
    assertEquals("SELECT '[REDACTED]'", redactedSql("SELECT 'eyJhbGciOiJIUzI1.eyJzdWIiOiIx'"));
  }

  @Test
  void keysFoundWhereverTheyStandInTheBytes() {
    for (int padding = 0; padding < 20; padding++) {
      String json = "{\"p\":\"" + "x".repeat(padding) + "\",\"query\":\"SELECT 1 WHERE pwd = 'a'\"}";
      String redacted = new String(REDACTOR.redact(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
      assertEquals(json.replace("'a'", "'[REDACTED]'"), redacted, "padding " + padding);
    }
  }

  @Test
  void everySqlAndQueryKeyIsFoundInOrderNestedAndAfterOtherValues() {
    String secret = "SELECT 1 WHERE pwd = 'a'";
    String json = "{\"query\":{\"sql\":[1]},\"sql\":\"" + secret + "\",\"x\":[{\"query\":\"" + secret
        + "\"},{\"sql\":null,\"query\" : \"" + secret + "\"}],\"note\":\"sql\",\"query\":\"" + secret + "\"}";
    String redacted = new String(REDACTOR.redact(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    assertEquals(json.replace("'a'", "'[REDACTED]'"), redacted);
    assertEquals(4, redacted.split("\\[REDACTED]", -1).length - 1);
  }

  @Test
  void payloadWithoutSecretsIsReturnedAsIs() {
    byte[] json = new JsonObject().put("sql", "SELECT * FROM orders WHERE status = 'shipped'")
        .put("query", "insert into log (message) values ('ok')").put("other", "password = 'not sql'").encode()
        .getBytes(StandardCharsets.UTF_8);
    assertSame(json, REDACTOR.redact(json));
  }
}
