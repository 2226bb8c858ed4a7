package com.bitville.apm.listener.storage.api;

import com.bitville.apm.listener.bus.ServiceAddress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The GELF forwarder's durable outbox: a cursor (every record with a larger id is still to be forwarded),
 * records that can never be sent, and pages of records in id order.
 */
@ServiceAddress("bitville.storage.outbox.v1")
public interface OutboxStore {

  int MAX_PAGE = 1_000;

  Future<Cursor> cursor();

  /** Records with an id above {@code afterId}, in id order. */
  Future<Page> page(PageRequest request);

  /** Moves the durable cursor forward (never back); answers the id it was given. */
  Future<Long> advance(Long forwardedId);

  /** Records a never-sendable record (the reason is cut to 500 characters); answers its id. */
  Future<Long> fail(Failure failure);

  record Cursor(long forwardedId, long maxId, long backlog, long failed) {
  }

  record PageRequest(long afterId, int limit) {
  }

  /**
   * @param records one object per record: the {@code records} columns by name, the payload compressed (binary),
   *     and {@code duration_ms_text}, {@code sql_time_ms_text} with the REAL columns exactly as stored
   */
  record Page(List<JsonObject> records) {
  }

  record Failure(long recordId, String reason) {
  }
}
