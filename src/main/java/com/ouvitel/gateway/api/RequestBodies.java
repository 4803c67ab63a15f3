package com.ouvitel.gateway.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reading the fields of management requests, each refusal naming its field. */
final class RequestBodies {

  private RequestBodies() {
  }

  /** True when the request came without a body (the body handler leaves no buffer). */
  static boolean isEmpty(RoutingContext ctx) {
    return ctx.body().buffer() == null || ctx.body().length() <= 0;
  }

  /** The raw bytes of the body; none when it came without one. */
  static byte[] bytes(RoutingContext ctx) {
    return isEmpty(ctx) ? new byte[0] : ctx.body().buffer().getBytes();
  }

  /** The body as an object; an empty body is an empty object. */
  static JsonObject object(RoutingContext ctx, Set<String> allowed) {
    if (isEmpty(ctx)) {
      return new JsonObject();
    }
    Object value;
    try {
      value = ctx.body().buffer().toJsonValue();
    } catch (DecodeException e) {
      throw ApiError.badRequest("invalid_json", "the body is not valid JSON");
    }
    if (!(value instanceof JsonObject)) {
      throw ApiError.badRequest("invalid_json", "the body must be a JSON object");
    }
    JsonObject body = (JsonObject) value;
    for (String field : body.fieldNames()) {
      if (!allowed.contains(field)) {
        throw new ApiError(400, "unknown_field", field + " is not a field of this request "
            + "(expected " + String.join(", ", allowed) + ")");
      }
    }
    return body;
  }

  static String string(JsonObject body, String field, boolean required, int maxLength) {
    Object value = body.getValue(field);
    if (value == null) {
      if (required) {
        throw new ApiError(400, "missing_field", field + " is required");
      }
      return null;
    }
    if (!(value instanceof String)) {
      throw ApiError.invalidField(field, "must be a string");
    }
    String text = (String) value;
    if (text.indexOf('\u0000') >= 0) {
      // PostgreSQL text cannot hold it, and no name, URL or description needs it.
      throw ApiError.invalidField(field, "must not contain the NUL character (\\u0000)");
    }
    if (text.length() > maxLength) {
      throw ApiError.invalidField(field, "must be at most " + maxLength + " characters");
    }
    return text;
  }

  static Boolean bool(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Boolean)) {
      throw ApiError.invalidField(field, "must be true or false");
    }
    return (Boolean) value;
  }

  /** A non-empty list of distinct strings, each one of {@code choices}. */
  static List<String> choices(JsonObject body, String field, boolean required,
      List<String> choices) {
    Object value = body.getValue(field);
    if (value == null) {
      if (required) {
        throw new ApiError(400, "missing_field", field + " is required");
      }
      return null;
    }
    if (!(value instanceof JsonArray) || ((JsonArray) value).isEmpty()) {
      throw ApiError.invalidField(field, "must be a non-empty array of "
          + String.join(", ", choices));
    }
    List<String> list = new ArrayList<>();
    for (Object item : (JsonArray) value) {
      if (!(item instanceof String) || !choices.contains(item)) {
        throw ApiError.invalidField(field, "contains '" + item + "'; expected only "
            + String.join(", ", choices));
      }
      if (!list.contains(item)) {
        list.add((String) item);
      }
    }
    return list;
  }

  static int limit(RoutingContext ctx, int defaultLimit, int max) {
    String text = ctx.queryParams().get("limit");
    if (text == null) {
      return defaultLimit;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException ignored) {
      // Reported below.
    }
    throw ApiError.invalidField("limit", "must be a whole number from 1 to " + max);
  }
}
