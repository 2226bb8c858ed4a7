package com.bitville.apm.pgagent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LogParsingTest {

  private static final String ID = "9435d029-36ef-4428-bd21-926ec3e9fd81";

  @Test
  @DisplayName("Any log_line_prefix is understood, including %q for processes without a session")
  void prefixes() {
    List<JsonObject> out = read(new StderrEntryReader("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ", 10_000),
        "2026-11-23 17:57:11 UTC [41877]: [3-1] user=shop,db=shop_production,app=bitville-" + ID
            + ",client=10.0.0.21 LOG:  duration: 2548.310 ms  statement: UPDATE orders SET x = 1");
    assertEquals(1, out.size());
    JsonObject entry = LogClassifier.classify(out.get(0));
    assertEquals(41877, entry.getInteger("pid"));
    assertEquals("shop", entry.getString("user"));
    assertEquals("shop_production", entry.getString("database"));
    assertEquals("2026-11-23 17:57:11", entry.getString("timestamp"));
    assertEquals("slow_statement", entry.getString("category"));
    assertEquals(2548.31, entry.getDouble("duration_ms"));
    assertEquals("UPDATE orders SET x = 1", entry.getString("statement"));
    assertEquals(ID, entry.getString("correlation_id"), "from application_name");

    List<JsonObject> background = read(new StderrEntryReader("%m [%p] %q%u@%d ", 10_000),
        "2026-11-23 17:57:11.402 UTC [77] LOG:  checkpoint starting: time");
    assertEquals("checkpoint", LogClassifier.classify(background.get(0)).getString("category"));
    assertNull(background.get(0).getString("user"));
  }

  @Test
  @DisplayName("stderr: continuation lines and DETAIL/STATEMENT lines are stitched into their entry, with a size cap")
  void stitching() {
    StderrEntryReader reader = new StderrEntryReader("%m [%p] ", 200);
    List<JsonObject> out = read(reader,
        "2026-11-23 17:57:13.001 UTC [40990] ERROR:  deadlock detected",
        "2026-11-23 17:57:13.001 UTC [40990] DETAIL:  Process 40990 waits for ShareLock on transaction 5;",
        "\tProcess 41 waits for ShareLock on transaction 6.",
        "2026-11-23 17:57:13.001 UTC [40990] STATEMENT:  UPDATE a SET",
        "\tb = 1 /* correlation:" + ID + " */",
        "2026-11-23 17:57:14.000 UTC [50] LOG:  next entry");
    reader.flush(out);
    assertEquals(2, out.size());
    JsonObject deadlock = LogClassifier.classify(out.get(0));
    assertEquals("deadlock", deadlock.getString("category"));
    assertTrue(deadlock.getString("detail").contains("Process 41"), deadlock.encode());
    assertFalse(deadlock.containsKey("truncated"));
    assertEquals("UPDATE a SET\nb = 1 /* correlation:" + ID + " */", deadlock.getString("statement"));
    assertEquals(ID, deadlock.getString("correlation_id"));

    List<JsonObject> foreign = read(new StderrEntryReader("%m [%p] ", 1000),
        "2026-11-23 17:57:13.001 UTC [1] LOG:  received SIGHUP, reloading configuration files",
        "2026-11-23 17:57:13.002 UTC,,,1,,abc.1,1,,2026-11-23 17:00:00 UTC,,0,LOG,00000,\"parameter changed\"");
    assertEquals(2, foreign.size(), "a csv line the server wrote into the stderr file is not glued on: " + foreign);
    assertEquals("received SIGHUP, reloading configuration files", foreign.get(0).getString("message"));
    assertTrue(foreign.get(1).getBoolean("unparsed"));

    List<JsonObject> capped = read(new StderrEntryReader("%m [%p] ", 40),
        "2026-11-23 17:57:13.001 UTC [1] LOG:  " + "x".repeat(30), "\t" + "y".repeat(100));
    assertEquals(40, capped.get(0).getString("message").length(), "capped at max_entry_bytes");
    assertTrue(capped.get(0).getBoolean("truncated"));
  }

  @Test
  @DisplayName("csvlog: quoted fields spanning lines are joined; columns map by position")
  void csv() {
    CsvEntryReader reader = new CsvEntryReader(10_000);
    List<JsonObject> out = read(reader,
        "2026-11-23 17:57:12.950 UTC,\"shop\",\"shopdb\",41877,\"10.0.0.21:5\",abc.1,3,\"UPDATE\","
            + "2026-11-23 17:50:00 UTC,3/4,0,LOG,00000,\"duration: 12.5 ms  statement: UPDATE t",
        "SET \"\"x\"\" = 1\",,,,,,,,,\"bitville-" + ID + "\",\"client backend\",,0");
    assertEquals(1, out.size());
    assertEquals(-1, reader.pendingOffset());
    JsonObject entry = LogClassifier.classify(out.get(0));
    assertEquals("shop", entry.getString("user"));
    assertEquals("LOG", entry.getString("level"));
    assertEquals("UPDATE t\nSET \"x\" = 1", entry.getString("statement"));
    assertEquals(ID, entry.getString("correlation_id"));
    assertEquals("client backend", entry.getString("backend_type"));
  }

  @Test
  @DisplayName("Classification covers locks, deadlocks, crash, recovery, startup, shutdown, temp files, connections, errors")
  void categories() {
    assertEquals("lock_wait",
        category("LOG", "process 41877 still waiting for ShareLock on transaction 5 after 1000.1 ms"));
    assertEquals("temp_file", category("LOG", "temporary file: path \"base/pgsql_tmp/x\", size 1048576"));
    assertEquals("autovacuum", category("LOG", "automatic vacuum of table \"db.public.t\": index scans: 0"));
    assertEquals("connection", category("FATAL", "password authentication failed for user \"bob\""));
    assertEquals("shutdown", category("FATAL", "the database system is shutting down"));
    assertEquals("fatal", category("FATAL", "out of memory"));
    assertEquals("panic", category("PANIC", "could not write to file"));
    assertEquals("startup", category("LOG", "database system is ready to accept connections"));
    assertEquals("deadlock", category("LOG", "process 7 detected deadlock while waiting for ShareLock on transaction "
        + "5 after 38928.798 ms"));
    assertEquals("crash", category("LOG", "server process (PID 41) was terminated by signal 9: Killed"));
    assertEquals("recovery", category("LOG", "redo starts at 0/1A2B3C"));
    assertEquals("other", category("LOG", "parameter \"work_mem\" changed to \"8MB\""));
    JsonObject waited = LogClassifier.classify(new JsonObject().put("level", "LOG")
        .put("message", "process 7 acquired ShareLock on transaction 5 after 38928.798 ms"));
    assertEquals(38928.798, waited.getDouble("lock_wait_ms"));
  }

  @Test
  @DisplayName("Passwords are removed from role statements and connection strings, nothing else is touched")
  void redaction() {
    assertEquals("CREATE ROLE app LOGIN PASSWORD '***'",
        PasswordRedactor.redact("CREATE ROLE app LOGIN PASSWORD 'it''s secret'"));
    assertEquals("ALTER USER app WITH ENCRYPTED PASSWORD '***' VALID UNTIL 'x'",
        PasswordRedactor.redact("ALTER USER app WITH ENCRYPTED PASSWORD 'md5abc' VALID UNTIL 'x'"));
    assertEquals("SELECT dblink_connect('host=h password=*** dbname=d')",
        PasswordRedactor.redact("SELECT dblink_connect('host=h password=hunter2 dbname=d')"));
    String message = "password authentication failed for user \"bob\"";
    assertEquals(message, PasswordRedactor.redact(message));
    assertFalse(PasswordRedactor.redact("ALTER ROLE x PASSWORD $$p4ss$$").contains("p4ss"));
  }

  private static String category(String level, String message) {
    return LogClassifier.category(new JsonObject().put("level", level).put("message", message), message);
  }

  private static List<JsonObject> read(LogEntryReader reader, String... lines) {
    List<JsonObject> out = new ArrayList<>();
    long offset = 0;
    for (String line : lines) {
      reader.accept(new LogLine(offset, line), out);
      offset += line.length() + 1;
    }
    reader.flush(out);
    return out;
  }
}
