package com.bitville.apm.shared.bus;

/** Failure codes a storage reply may carry ({@code message.fail(code, text)}), and what callers do with them. */
public enum StorageFailure {
  /** The write queue is full: answer 503 with Retry-After upstream. */
  BUSY(503),
  /** The database could not commit (disk full, I/O error): answer 503 with Retry-After upstream. */
  UNAVAILABLE(500),
  /** The request itself was malformed: a bug in the caller, answer 400/500 depending on the origin. */
  BAD_REQUEST(400),
  /** The storage verticle is stopping and takes no new work. */
  SHUTTING_DOWN(510);

  private final int code;

  StorageFailure(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static StorageFailure fromCode(int code) {
    for (StorageFailure failure : values()) {
      if (failure.code == code) {
        return failure;
      }
    }
    return UNAVAILABLE;
  }
}
