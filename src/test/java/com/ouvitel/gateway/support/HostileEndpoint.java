package com.ouvitel.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A misbehaving webhook endpoint for tests, written at the socket level so that it can do
 * what no well-behaved HTTP server does. The request path picks the behaviour:
 * <ul>
 *   <li>{@code /silent}: reads the request and never answers;</li>
 *   <li>{@code /headers-stall}: sends the head of a 200 with a body that never comes;</li>
 *   <li>{@code /trickle}: sends a complete 200 one byte per second;</li>
 *   <li>{@code /continue-stall}: sends {@code 100 Continue} and nothing more;</li>
 *   <li>{@code /slow/<ms>}: answers 200 after that many milliseconds;</li>
 *   <li>{@code /redirect/<port>}: 302 to {@code http://127.0.0.1:<port>/trap};</li>
 *   <li>{@code /huge/<status>}: that status with a Content-Length of 8 GiB, streamed as fast as
 *       the peer reads; {@code /endless/<status>}: the same as an endless chunked stream;</li>
 *   <li>{@code /status/<code>}: that status with a short body;</li>
 *   <li>{@code /retry-after-seconds/<code>/<s>} and {@code /retry-after-date/<code>/<s>}: that
 *       status with Retry-After in s seconds, written as a number or as an HTTP date;</li>
 *   <li>{@code /reset}: resets the connection (RST) on reading the request;</li>
 *   <li>{@code /close-reused}: answers 200 to the first request of a connection and closes
 *       it, unanswered, on the next one: the idle-close race, every time.</li>
 * </ul>
 * Other paths answer 200. Kept-alive sockets are closed after {@code idleCloseMs} of silence
 * when that is set. Every connection and request is recorded with its times.
 */
public final class HostileEndpoint implements AutoCloseable {

  /** TLS of the endpoint. */
  public enum Tls {
    NONE, PRIVATE_CA, UNTRUSTED
  }

  /** One TCP connection as the endpoint saw it. */
  public static final class Connection {
    public final int number;
    public final long openedNanos = System.nanoTime();
    public volatile long closedNanos;
    public volatile String serverName;
    public final AtomicLong bytesSent = new AtomicLong();
    public final AtomicInteger requests = new AtomicInteger();

    Connection(int number) {
      this.number = number;
    }

    public boolean closed() {
      return closedNanos != 0;
    }

    /** Milliseconds from opening to closing, or -1 while open. */
    public long lifetimeMs() {
      return closed() ? (closedNanos - openedNanos) / 1_000_000 : -1;
    }
  }

  /** One request head as the endpoint read it. */
  public record Request(String path, Map<String, String> headers, String body,
      Connection connection, long atNanos) {

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  private final Tls tls;
  private final long idleCloseMs;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger numbers = new AtomicInteger();

  private HostileEndpoint(Tls tls, long idleCloseMs, boolean resetOnClose) {
    this.tls = tls;
    this.idleCloseMs = idleCloseMs;
    NetServerOptions options = new NetServerOptions().setHost("127.0.0.1").setPort(0);
    if (resetOnClose) {
      options.setSoLinger(0);
    }
    if (tls != Tls.NONE) {
      String name = tls == Tls.PRIVATE_CA ? "server" : "untrusted";
      options.setSsl(true).setSni(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(TestReceiver.resource("tls/" + name + ".pem"))
          .setKeyPath(TestReceiver.resource("tls/" + name + ".key")));
    }
    server = vertx.createNetServer(options).connectHandler(this::serve);
    try {
      server.listen().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Plain HTTP; kept-alive sockets stay open. */
  public static HostileEndpoint http() {
    return new HostileEndpoint(Tls.NONE, 0, false);
  }

  /** Plain HTTP that closes a kept-alive socket after that much silence. */
  public static HostileEndpoint closingIdleAfter(Duration idle) {
    return new HostileEndpoint(Tls.NONE, idle.toMillis(), false);
  }

  /** Plain HTTP whose every close is a reset (RST), as {@code /reset} uses. */
  public static HostileEndpoint resetting() {
    return new HostileEndpoint(Tls.NONE, 0, true);
  }

  /** HTTPS with a localhost certificate of the test CA, or a self-signed one nobody trusts. */
  public static HostileEndpoint https(Tls tls) {
    return new HostileEndpoint(tls, 0, false);
  }

  public int port() {
    return server.actualPort();
  }

  /** The URL of a path, reached through 127.0.0.1 (localhost for HTTPS, as its cert says). */
  public String url(String path) {
    return (tls == Tls.NONE ? "http://127.0.0.1:" : "https://localhost:") + port() + path;
  }

  public List<Connection> connections() {
    return new ArrayList<>(connections);
  }

  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  public List<Request> requests(String path) {
    List<Request> matching = new ArrayList<>();
    for (Request request : requests) {
      if (request.path().equals(path)) {
        matching.add(request);
      }
    }
    return matching;
  }

  /** Waits until the path has had that many requests, and returns them. */
  public List<Request> await(String path, int count, Duration timeout) {
    return Api.awaitAtLeast(() -> requests(path), count, timeout, "requests on " + path);
  }

  /** Waits until the connection is closed; false if it stays open that long. */
  public static boolean awaitClosed(Connection connection, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!connection.closed() && System.nanoTime() < deadline) {
      Api.sleep(10);
    }
    return connection.closed();
  }

  // ---- serving ----

  private void serve(NetSocket socket) {
    Connection connection = new Connection(numbers.incrementAndGet());
    connection.serverName = socket.indicatedServerName();
    connections.add(connection);
    Buffer[] pending = {Buffer.buffer()};
    long[] idleTimer = {-1};
    socket.closeHandler(v -> {
      connection.closedNanos = System.nanoTime();
      vertx.cancelTimer(idleTimer[0]);
    });
    socket.handler(data -> {
      vertx.cancelTimer(idleTimer[0]);
      pending[0].appendBuffer(data);
      Request request;
      while ((request = nextRequest(pending, connection)) != null) {
        requests.add(request);
        connection.requests.incrementAndGet();
        boolean keptAlive = answer(socket, request);
        if (keptAlive && idleCloseMs > 0) {
          idleTimer[0] = vertx.setTimer(idleCloseMs, id -> socket.close());
        }
      }
    });
  }

  /** Takes one complete request off the front of the buffer, or null if none is complete. */
  private static Request nextRequest(Buffer[] buffered, Connection connection) {
    Buffer pending = buffered[0];
    String text = pending.toString(StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return null;
    }
    String[] lines = text.substring(0, headEnd).split("\r\n");
    Map<String, String> headers = new ConcurrentHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    int total = headEnd + 4 + length;
    if (pending.length() < total) {
      return null;
    }
    String body = pending.getString(headEnd + 4, total, "UTF-8");
    buffered[0] = pending.getBuffer(total, pending.length());
    String target = lines[0].split(" ")[1];
    int query = target.indexOf('?');
    String path = query < 0 ? target : target.substring(0, query);
    return new Request(path, headers, body, connection, System.nanoTime());
  }

  /** Acts out the path's behaviour; true when the connection stays open for another. */
  private boolean answer(NetSocket socket, Request request) {
    String[] parts = request.path().substring(1).split("/");
    switch (parts[0]) {
      case "silent":
        return false;
      case "headers-stall":
        write(socket, request, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        return false;
      case "trickle":
        trickle(socket, request, response(200, "", "trickled body"), 0);
        return false;
      case "continue-stall":
        write(socket, request, "HTTP/1.1 100 Continue\r\n\r\n");
        return false;
      case "slow":
        vertx.setTimer(Long.parseLong(parts[1]),
            id -> write(socket, request, response(200, "", "slow answer")));
        return false;
      case "redirect":
        write(socket, request, response(302,
            "Location: http://127.0.0.1:" + parts[1] + "/trap\r\n", ""));
        return true;
      case "huge":
        write(socket, request, "HTTP/1.1 " + parts[1] + " Huge\r\nContent-Length: "
            + (8L << 30) + "\r\n\r\n");
        stream(socket, request.connection(), false);
        return false;
      case "endless":
        write(socket, request, "HTTP/1.1 " + parts[1] + " Endless\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n");
        stream(socket, request.connection(), true);
        return false;
      case "status":
        write(socket, request, response(Integer.parseInt(parts[1]), "", "status " + parts[1]));
        return true;
      case "retry-after-seconds":
        write(socket, request, response(Integer.parseInt(parts[1]),
            "Retry-After: " + parts[2] + "\r\n", "later"));
        return true;
      case "retry-after-date":
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
            ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(Long.parseLong(parts[2])));
        write(socket, request, response(Integer.parseInt(parts[1]),
            "Retry-After: " + date + "\r\n", "later"));
        return true;
      case "reset":
        socket.close();
        return false;
      case "close-reused":
        if (request.connection().requests.get() > 1) {
          socket.close();
          return false;
        }
        write(socket, request, response(200, "", "ok"));
        return true;
      default:
        write(socket, request, response(200, "", "ok"));
        return true;
    }
  }

  private static String response(int status, String headers, String body) {
    if (status == 204 || status == 304) {
      // These answers never carry a body: bytes after their head would read as the next
      // response on a kept-alive connection.
      return "HTTP/1.1 " + status + " Scripted\r\n" + headers + "\r\n";
    }
    return "HTTP/1.1 " + status + " Scripted\r\n" + headers + "Content-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  private static void write(NetSocket socket, Request request, String text) {
    Buffer bytes = Buffer.buffer(text, "ISO-8859-1");
    request.connection().bytesSent.addAndGet(bytes.length());
    socket.write(bytes);
  }

  private void trickle(NetSocket socket, Request request, String text, int index) {
    if (index >= text.length() || request.connection().closed()) {
      return;
    }
    write(socket, request, text.substring(index, index + 1));
    vertx.setTimer(1000, id -> trickle(socket, request, text, index + 1));
  }

  /**
   * Writes 64 KiB blocks for as long as the peer reads and keeps the connection open, a few
   * at a time so that the writes get flushed between turns.
   */
  private void stream(NetSocket socket, Connection connection, boolean chunked) {
    Buffer block = Buffer.buffer(new byte[64 * 1024]);
    Buffer unit = chunked ? Buffer.buffer(Integer.toHexString(block.length()) + "\r\n")
        .appendBuffer(block).appendString("\r\n") : block;
    vertx.runOnContext(v -> streamMore(socket, connection, unit));
  }

  private void streamMore(NetSocket socket, Connection connection, Buffer unit) {
    for (int i = 0; i < 16 && !connection.closed(); i++) {
      if (socket.writeQueueFull()) {
        socket.drainHandler(v -> streamMore(socket, connection, unit));
        return;
      }
      connection.bytesSent.addAndGet(unit.length());
      socket.write(unit.copy());
    }
    if (!connection.closed()) {
      vertx.runOnContext(v -> streamMore(socket, connection, unit));
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // The test is over.
    }
  }
}
