package com.bitville.apm.listener.udp;

import java.util.Locale;

/** Why a datagram was not stored; each reason is a label of {@code bitville_udp_dropped_total}. */
enum UdpDrop {
  /** Not the signed format, and not JSON either (e.g. a truncated header). */
  MALFORMED,
  BAD_SIGNATURE,
  /** Timestamp outside the clock window (replay protection). */
  STALE,
  /** A datagram with the signature of one already accepted within the clock window (a captured resend). */
  REPLAYED,
  OVERSIZE,
  /** The body is not JSON (or not UTF-8). */
  INVALID_JSON,
  /** JSON, but not a payload that can be stored (e.g. no correlation_id). */
  INVALID_PAYLOAD,
  /** Too many store requests in flight, or storage answered BUSY or did not answer in time. */
  STORAGE_BUSY,
  /** Storage failed for another reason (I/O error, shutting down). */
  STORAGE_ERROR,
  UNKNOWN_PROJECT,
  UNSIGNED_NOT_ALLOWED;

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
