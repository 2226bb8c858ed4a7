package com.bitville.apm.listener.storage.api;

import com.bitville.apm.shared.bus.StorageFailure;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Locale;

/**
 * What a failed storage call means for its caller, decided once for every caller.
 *
 * @param reason short name for metrics: a {@link StorageFailure} ({@code busy}, {@code unavailable},
 *     {@code bad_request}, {@code shutting_down}) or how the call itself failed ({@code timeout},
 *     {@code no_handlers}, {@code error})
 * @param callerBug storage refused the request as malformed: a defect on the calling side, not an outage
 * @param overloaded storage is busy, slow or not there yet: come back later
 */
public record StorageError(String reason, boolean callerBug, boolean overloaded) {

  public static StorageError of(Throwable failure) {
    if (!(failure instanceof ReplyException reply)) {
      return new StorageError("error", false, false);
    }
    if (reply.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
      boolean transientFailure = reply.failureType() == ReplyFailure.TIMEOUT
          || reply.failureType() == ReplyFailure.NO_HANDLERS;
      return new StorageError(reply.failureType().name().toLowerCase(Locale.ROOT), false, transientFailure);
    }
    StorageFailure code = StorageFailure.fromCode(reply.failureCode());
    return new StorageError(code.name().toLowerCase(Locale.ROOT), code == StorageFailure.BAD_REQUEST,
        code == StorageFailure.BUSY);
  }

  /** Storage did not answer in time: the request may still commit. */
  public boolean timedOut() {
    return "timeout".equals(reason);
  }

  /** True for failures that come from storage (or the way to it), false for anything else. */
  public static boolean isStorageFailure(Throwable failure) {
    return failure instanceof ReplyException;
  }
}
