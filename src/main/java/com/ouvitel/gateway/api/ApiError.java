package com.ouvitel.gateway.api;

/**
 * A request the gateway refuses, with the status, the snake_case code and a sentence for the
 * caller. Thrown or failed into a future; the router turns it into the error body.
 */
public final class ApiError extends RuntimeException {

  private final int status;
  private final String code;

  public ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }

  public static ApiError invalidField(String field, String problem) {
    return new ApiError(400, "invalid_field", field + " " + problem);
  }

  public static ApiError notFound(String what) {
    return new ApiError(404, "not_found", what + " not found");
  }

  public static ApiError unavailable() {
    return new ApiError(503, "database_unavailable",
        "the gateway cannot reach its database right now; retry shortly");
  }
}
