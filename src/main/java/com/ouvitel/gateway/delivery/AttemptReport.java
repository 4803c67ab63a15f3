package com.ouvitel.gateway.delivery;

import java.time.Duration;

/**
 * What the endpoint did with one request.
 *
 * @param retryAfter the wait a 429 or 503 asked for, else null
 */
public record AttemptReport(
    AttemptResult result, Integer statusCode, String responseSnippet, String error,
    Duration retryAfter) {

  public static AttemptReport failure(AttemptResult result, String error) {
    return new AttemptReport(result, null, null, error, null);
  }
}
