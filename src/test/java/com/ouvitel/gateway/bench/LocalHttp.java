package com.ouvitel.gateway.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * GET requests from the conductor to the processes it started, each with a hard deadline.
 * The JDK client is held to HTTP/1.1 (no h2c upgrade), and the deadline is enforced on the
 * answer's future: once a scrape under full load waited forever on a request whose own
 * timeout never fired, and the whole bench with it.
 */
final class LocalHttp {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2))
      .build();

  private LocalHttp() {
  }

  /** The answer, or null when none came within the deadline or the connection failed. */
  static HttpResponse<String> get(String url, Duration deadline) {
    CompletableFuture<HttpResponse<String>> answer = CLIENT.sendAsync(
        HttpRequest.newBuilder(URI.create(url)).timeout(deadline).build(),
        HttpResponse.BodyHandlers.ofString());
    try {
      return answer.get(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      answer.cancel(true);
      return null;
    }
  }
}
