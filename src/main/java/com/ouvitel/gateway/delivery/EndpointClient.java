package com.ouvitel.gateway.delivery;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Sends one attempt to an endpoint under a total deadline: waiting for a pooled connection,
 * connecting, TLS, sending and reading the response all count against it, and when it runs
 * out the request is reset, which closes its connection. Response bodies are read up to a
 * cap and then dropped, so an endless answer costs nothing.
 */
public final class EndpointClient {

  /** Bytes of a response body read at most. */
  static final int RESPONSE_CAP = 64 * 1024;
  /** Characters of a response body kept in the attempt log. */
  static final int SNIPPET_CHARS = 512;

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final long timeoutMs;
  /** Connections that carried a request already: a failure on reuse may be a stale one. */
  private final Set<HttpConnection> usedConnections =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  /**
   * @param keepAlive how long an idle connection waits for the next attempt, in whole seconds
   *     (receivers often drop idle sockets after 5 s: the default gives ours up before); zero
   *     closes every connection after its attempt
   */
  public EndpointClient(Vertx vertx, Duration timeout, int perEndpointConnections,
      Duration keepAlive, TrustOptions trust) {
    this.vertx = vertx;
    this.timeoutMs = timeout.toMillis();
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(!keepAlive.isZero())
        .setKeepAliveTimeout((int) Math.max(1, keepAlive.toSeconds()))
        .setConnectTimeout((int) timeoutMs)
        .setSslHandshakeTimeout(timeoutMs)
        .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
        .setForceSni(true)
        .setVerifyHost(true)
        .setMaxRedirects(0)
        .setDecompressionSupported(false);
    if (trust != null) {
      options.setTrustOptions(trust);
    }
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(perEndpointConnections)
        .setMaxWaitQueueSize(-1);
    this.client = vertx.httpClientBuilder().with(options).with(pool).build();
  }

  /**
   * Sends the body to the endpoint's checked address once it is known. The deadline starts
   * now, so resolving, waiting for a pooled connection, connecting, TLS, sending and reading
   * all count against it. Never fails: see the report.
   */
  public Future<AttemptReport> send(DestinationGuard.Endpoint endpoint,
      Future<InetAddress> address, MultiMap headers, Buffer body) {
    Promise<AttemptReport> report = Promise.promise();
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    long timer = vertx.setTimer(timeoutMs, id -> report.tryComplete(
        AttemptReport.failure(AttemptResult.TIMEOUT,
            "no complete answer within " + timeoutMs + " ms")));
    address.onComplete(resolved -> {
      if (report.future().isComplete()) {
        return;
      }
      if (resolved.failed()) {
        report.tryComplete(refused(resolved.cause()));
        return;
      }
      RequestOptions request = new RequestOptions()
          .setMethod(HttpMethod.POST)
          .setServer(SocketAddress.inetSocketAddress(endpoint.port(),
              resolved.result().getHostAddress()))
          .setHost(endpoint.host())
          .setPort(endpoint.port())
          .setSsl(endpoint.https())
          .setURI(endpoint.requestTarget())
          .setHeaders(headers)
          .setFollowRedirects(false)
          .setConnectTimeout(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      attempt(request, body, report, deadline, true);
    });
    return report.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /** Sends the body to one checked address of the endpoint. */
  public Future<AttemptReport> send(DestinationGuard.Endpoint endpoint, InetAddress address,
      MultiMap headers, Buffer body) {
    return send(endpoint, Future.succeededFuture(address), headers, body);
  }

  /** A resolution that failed: a refused address, or a name that does not resolve. */
  private static AttemptReport refused(Throwable error) {
    if (error instanceof DestinationGuard.UnresolvedHost) {
      return AttemptReport.failure(AttemptResult.CONNECTION_ERROR, error.getMessage());
    }
    if (error instanceof DestinationGuard.RefusedDestination) {
      return AttemptReport.failure(AttemptResult.BLOCKED_DESTINATION, error.getMessage());
    }
    return AttemptReport.failure(AttemptResult.CONNECTION_ERROR,
        "cannot resolve: " + truncate(String.valueOf(error.getMessage()), 300));
  }

  private void attempt(RequestOptions options, Buffer body, Promise<AttemptReport> report,
      long deadline, boolean mayResend) {
    client.request(options).onComplete(requested -> {
      if (requested.failed()) {
        report.tryComplete(classify(requested.cause()));
        return;
      }
      HttpClientRequest request = requested.result();
      if (report.future().isComplete()) {
        request.reset();
        return;
      }
      boolean reused = !usedConnections.add(request.connection());
      boolean[] ended = {false};
      // Whatever ends the attempt first (deadline, cap, error), an unfinished exchange is
      // reset so that its connection is closed rather than reused half-read.
      report.future().onComplete(done -> {
        if (!ended[0]) {
          request.reset();
        }
      });
      request.send(body).onComplete(answered -> {
        if (answered.succeeded()) {
          read(answered.result(), ended, report);
        } else if (mayResend && isStaleConnection(answered.cause(), reused)
            && System.nanoTime() < deadline) {
          // A kept-alive connection the endpoint closed or reset as we reused it, before any
          // answer: it is sent again once, on a fresh connection, within the same deadline.
          options.setConnectTimeout(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
          attempt(options, body, report, deadline, false);
        } else {
          report.tryComplete(classify(answered.cause()));
        }
      });
    });
  }

  private void read(HttpClientResponse response, boolean[] ended,
      Promise<AttemptReport> report) {
    int status = response.statusCode();
    Buffer snippet = Buffer.buffer();
    long[] received = {0};
    response.exceptionHandler(error -> report.tryComplete(classify(error)));
    response.handler(chunk -> {
      received[0] += chunk.length();
      if (snippet.length() < SNIPPET_CHARS * 4) {
        snippet.appendBuffer(chunk, 0, Math.min(chunk.length(),
            SNIPPET_CHARS * 4 - snippet.length()));
      }
      if (received[0] > RESPONSE_CAP) {
        report.tryComplete(answer(status, response, snippet));
      }
    });
    response.endHandler(end -> {
      ended[0] = true;
      report.tryComplete(answer(status, response, snippet));
    });
  }

  private static AttemptReport answer(int status, HttpClientResponse response, Buffer body) {
    String snippet = snippet(body);
    if (status >= 200 && status < 300) {
      return new AttemptReport(AttemptResult.SUCCESS, status, snippet, null, null);
    }
    if (status >= 300 && status < 400) {
      String location = response.getHeader("Location");
      String error = location == null ? "redirect without a Location (not followed)"
          : "redirect to " + truncate(location, 300) + " (not followed)";
      return new AttemptReport(AttemptResult.REDIRECT, status, snippet, error, null);
    }
    Duration retryAfter = status == 429 || status == 503
        ? retryAfter(response.getHeader("Retry-After")) : null;
    return new AttemptReport(AttemptResult.HTTP_ERROR, status, snippet,
        "endpoint answered " + status, retryAfter);
  }

  /** Retry-After as delta seconds or an HTTP date; null when absent or unreadable. */
  static Duration retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String text = value.trim();
    try {
      long seconds = Long.parseLong(text);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration wait = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (RuntimeException notDate) {
        return null;
      }
    }
  }

  private static String snippet(Buffer body) {
    if (body.length() == 0) {
      return null;
    }
    String text = new String(body.getBytes(), StandardCharsets.UTF_8);
    return truncate(text, SNIPPET_CHARS);
  }

  /**
   * At most {@code max} characters of endpoint-supplied text, fit to store: NUL, which
   * PostgreSQL text refuses, and other control characters become U+FFFD.
   */
  static String truncate(String text, int max) {
    String cut = text.length() <= max ? text : text.substring(0, max);
    StringBuilder clean = null;
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      boolean control = c < 0x20 && c != '\n' && c != '\r' && c != '\t';
      if (control && clean == null) {
        clean = new StringBuilder(cut.substring(0, i));
      }
      if (clean != null) {
        clean.append(control ? '\uFFFD' : c);
      }
    }
    return clean == null ? cut : clean.toString();
  }

  /**
   * A connection closed before any answer; on a reused connection a reset counts too, as
   * receivers drop idle sockets the moment we pick them again.
   */
  private static boolean isStaleConnection(Throwable error, boolean reused) {
    return error instanceof HttpClosedException || (reused && error instanceof IOException);
  }

  static AttemptReport classify(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException) {
        return AttemptReport.failure(AttemptResult.TLS_ERROR,
            "TLS failed: " + truncate(String.valueOf(cause.getMessage()), 300));
      }
      if (cause instanceof TimeoutException
          || cause.getClass().getSimpleName().contains("Timeout")) {
        return AttemptReport.failure(AttemptResult.TIMEOUT, "timed out");
      }
      if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
          || cause instanceof UnknownHostException) {
        return AttemptReport.failure(AttemptResult.CONNECTION_ERROR,
            "cannot connect: " + truncate(String.valueOf(cause.getMessage()), 300));
      }
    }
    return AttemptReport.failure(AttemptResult.CONNECTION_ERROR,
        "connection failed: " + truncate(String.valueOf(error.getMessage()), 300));
  }

  public Future<Void> close() {
    return client.close();
  }
}
