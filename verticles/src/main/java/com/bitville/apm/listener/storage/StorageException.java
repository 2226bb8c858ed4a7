package com.bitville.apm.listener.storage;

import com.bitville.apm.shared.bus.StorageFailure;

/** A storage failure with the code its reply carries over the event bus. */
final class StorageException extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final transient StorageFailure failure;

  StorageException(StorageFailure failure, String message) {
    super(message, null, false, false);
    this.failure = failure;
  }

  StorageFailure failure() {
    return failure;
  }
}
