package com.bitville.apm.listener.storage.api;

import com.bitville.apm.listener.bus.ServiceAddress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Reads of PHP requests and of the records correlated with them, for the query server. Every operation is
 * confined to the {@code projects} it is given (1 to 1000 names; the query server passes exactly the user's)
 * and never returns rows outside them. A row is one stored record as an object: the {@code records} columns
 * by name (see {@code RecordSql.COLUMNS}) and the payload still compressed (binary); the caller inflates it
 * off the event loop.
 */
@ServiceAddress("bitville.storage.requests.v1")
public interface RequestReads {

  int MAX_PAGE = 500;
  int MAX_RELATED = 500;
  /** The most stored records (of every kind and project) one {@link #storedAfter} call reads. */
  int MAX_STORED_AFTER_SCAN = 20_000;

  /** One keyset page of PHP requests, newest (or slowest) first unless asked otherwise. */
  Future<RequestPage> list(RequestFilter filter);

  /**
   * The PHP requests of one project stored after a record id, in storage (id) order: what a live view missed
   * while it was disconnected. Reads at most {@code scan} stored records after {@code afterId}, whatever their
   * project, so the work is bounded however long the gap was.
   */
  Future<StoredAfter> storedAfter(StoredAfterQuery query);

  /** A PHP or pg-agent record with the records sharing its correlation id (up to {@link #MAX_RELATED}). */
  Future<RequestDetail> detail(RecordLookup lookup);

  /** The record alone, without its related records. */
  Future<RequestDetail> record(RecordLookup lookup);

  /** The records linked to a correlation id, in time order. */
  Future<Rows> correlated(CorrelationLookup lookup);

  /** pg-agent records of one source, newest first, before a keyset position. */
  Future<Rows> databaseRecords(DatabaseFilter filter);

  /**
   * Filters of the request list; null means "not filtered".
   *
   * @param sort {@code time} or {@code duration}
   * @param order {@code asc} or {@code desc}
   * @param afterValue with {@code afterId}: the keyset position of the last row of the previous page (its
   *     event time or its exact duration, as the cursor carried it)
   * @param sqlFingerprint only requests that ran this SQL fingerprint, @param function only requests in which this
   *     function had self time: both as the rollup indexed them, so requests it has not processed yet are missing
   */
  record RequestFilter(List<String> projects, String sort, String order, int limit, Long fromMs, Long toMs,
      String route, String urlContains, String method, Integer statusMin, Integer statusMax, String host,
      Double minDurationMs, Double maxDurationMs, String correlationId, Boolean fatal, Number afterValue,
      Long afterId, String sqlFingerprint, String function) {
  }

  /**
   * @param rows the page; each also carries {@code duration_key}, the exact duration for the next cursor
   * @param hasMore another page follows
   */
  record RequestPage(List<JsonObject> rows, boolean hasMore) {
  }

  record RecordLookup(long id, List<String> projects) {
  }

  /** @param record null when there is no such record in the projects */
  record RequestDetail(JsonObject record, List<JsonObject> related) {
  }

  record CorrelationLookup(String correlationId, List<String> projects, int limit) {
  }

  /**
   * @param filter exactly one project; its limit and filters apply except sort, order, keyset, SQL fingerprint
   *     and function (which must be null)
   * @param afterId the last stored id already seen; null asks only for the newest stored id
   * @param scan the most stored records to read after {@code afterId} (at most {@link #MAX_STORED_AFTER_SCAN})
   */
  record StoredAfterQuery(RequestFilter filter, Long afterId, int scan) {
  }

  /**
   * @param rows the matching requests, oldest first
   * @param lastId every matching request with {@code afterId < id <= lastId} is in {@code rows}
   * @param more requests after {@code lastId} were stored but not read (the limit or the scan bound was reached)
   */
  record StoredAfter(List<JsonObject> rows, long lastId, boolean more) {
  }

  record Rows(List<JsonObject> rows) {
  }

  /** @param beforeTimeMs with {@code beforeId}: the keyset position of the previous page's last row */
  record DatabaseFilter(List<String> projects, String source, Long fromMs, Long toMs, int limit, Long beforeTimeMs,
      Long beforeId) {
  }
}
