package com.bitville.apm.pgagent.collect;

import com.bitville.apm.pgagent.db.MonitorConnection;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Query texts of pg_stat_statements, cached by queryid. The server reads its whole query-text file for every
 * {@code pg_stat_statements(true)} call, so texts are fetched only for ids we do not know yet, and not more often
 * than {@code refreshMs}; the cache is bounded (least recently used texts go first).
 */
final class StatementTexts {

  private static final int CACHE_MAX = 20_000;

  private final MonitorConnection db;
  private final int maxChars;
  private final long refreshMs;
  private final Map<String, String> texts = new LinkedHashMap<>(1024, 0.75f, true);
  private long lastReadMs;
  private int reads;

  StatementTexts(MonitorConnection db, int maxChars, long refreshMs) {
    this.db = db;
    this.maxChars = maxChars;
    this.refreshMs = refreshMs;
  }

  String get(String queryId) {
    return texts.get(queryId);
  }

  int reads() {
    return reads;
  }

  /** Reads the texts of unknown ids when a read is due; otherwise they stay unknown (null) for now. */
  Future<Void> fetchMissing(Collection<String> queryIds, String textsSql) {
    Set<Long> missing = new LinkedHashSet<>();
    queryIds.stream().filter(id -> !texts.containsKey(id)).forEach(id -> missing.add(Long.parseLong(id)));
    if (missing.isEmpty() || System.currentTimeMillis() - lastReadMs < refreshMs) {
      return Future.succeededFuture();
    }
    lastReadMs = System.currentTimeMillis();
    reads++;
    return db.query(textsSql, Tuple.of(maxChars, (Object) missing.toArray(new Long[0])))
        .map(rows -> {
          rows.forEach(row -> remember(row.getString("queryid"), row.getString("query")));
          return null;
        });
  }

  private void remember(String queryId, String text) {
    texts.put(queryId, text);
    if (texts.size() > CACHE_MAX) {
      texts.remove(texts.keySet().iterator().next());
    }
  }
}
