package com.bitville.apm.listener.query;

/** A client error with its status and a message that says what was wrong, answered as JSON. */
final class ApiError extends RuntimeException {

  private final int status;
  private final String code;

  ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, "bad_request", message);
  }

  static ApiError forbidden(String message) {
    return new ApiError(403, "forbidden", message);
  }

  static ApiError notFound(String message) {
    return new ApiError(404, "not_found", message);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }
}
