package com.ouvitel.gateway.api;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writing answers: JSON bodies, the error shape, and what a failure turns into. */
final class Replies {

  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  /** Vert.x's limits of the request line and of the headers, named in the errors. */
  static final int MAX_REQUEST_LINE_BYTES = 4096;
  static final int MAX_HEADER_BYTES = 8192;

  private Replies() {
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }

  static void error(RoutingContext ctx, ApiError error) {
    if (ctx.response().ended()) {
      return;
    }
    if (error.status() == 503) {
      ctx.response().putHeader("Retry-After", "1");
    }
    json(ctx, error.status(), new JsonObject().put("error",
        new JsonObject().put("code", error.code()).put("message", error.getMessage())));
  }

  /**
   * What Vert.x itself refuses with a 400 before any route runs (a path that is not validly
   * percent-encoded): the error shape, never a 500.
   */
  static void badRequest(RoutingContext ctx) {
    if (ctx.failure() instanceof ApiError) {
      error(ctx, (ApiError) ctx.failure());
      return;
    }
    error(ctx, byStatus(400));
  }

  /**
   * What the HTTP decoder refuses before the router sees it (a request line or headers over
   * their limits, a malformed request): the error shape naming the part at fault, never an
   * empty answer. The server closes the connection once the answer is written.
   */
  static void invalidRequest(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    ApiError error;
    if (cause instanceof TooLongHttpLineException) {
      error = new ApiError(414, "uri_too_long", "the request line is longer than "
          + MAX_REQUEST_LINE_BYTES + " bytes; no id, filter or cursor is that long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = new ApiError(431, "headers_too_large",
          "the request headers are larger than " + MAX_HEADER_BYTES + " bytes");
    } else {
      error = new ApiError(400, "invalid_request", "the request is not valid HTTP/1.1");
    }
    request.response().setStatusCode(error.status())
        .putHeader("Content-Type", "application/json")
        .putHeader("Connection", "close")
        .end(new JsonObject().put("error", new JsonObject().put("code", error.code())
            .put("message", error.getMessage())).toBuffer());
  }

  /** The router's failure handler: every failure becomes the error shape. */
  static void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiError) {
      error(ctx, (ApiError) failure);
    } else if (failure instanceof DecodeException) {
      error(ctx, ApiError.badRequest("invalid_json", "the body is not valid JSON"));
    } else if (failure == null) {
      error(ctx, byStatus(ctx.statusCode()));
    } else if (isDatabaseDown(failure)) {
      error(ctx, ApiError.unavailable());
    } else {
      LOG.error("Request {} {} failed on our side; answered 500", ctx.request().method(),
          ctx.normalizedPath(), failure);
      error(ctx, new ApiError(500, "internal_error",
          "the gateway failed to handle this request; it has been logged"));
    }
  }

  private static ApiError byStatus(int status) {
    switch (status) {
      case 400:
        return new ApiError(400, "invalid_request",
            "the request is not valid; check the percent-encoding of its path and query");
      case 404:
        return new ApiError(404, "not_found", "no such route");
      case 405:
        return new ApiError(405, "method_not_allowed", "this method is not allowed here");
      case 413:
        return new ApiError(413, "payload_too_large", "the request body is too large");
      case 415:
        return new ApiError(415, "unsupported_media_type",
            "the body must be application/json in UTF-8");
      default:
        return status >= 400 && status < 500
            ? new ApiError(status, "bad_request", "the request is not valid")
            : new ApiError(500, "internal_error", "the gateway failed to handle this request");
    }
  }

  /** Failures of the PostgreSQL connection, as opposed to faults in our own code. */
  static boolean isDatabaseDown(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      String name = cause.getClass().getName();
      String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
      if (cause instanceof java.net.ConnectException
          || cause instanceof java.util.concurrent.TimeoutException
          || cause instanceof io.vertx.core.eventbus.ReplyException
          || name.contains("ClosedConnection") || message.contains("connection refused")
          || message.contains("connection is closed") || message.contains("timeout")
          || message.contains("the database system is")) {
        return true;
      }
    }
    return false;
  }
}
