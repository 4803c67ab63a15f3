package com.ouvitel.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The webhook endpoints of the benchmark, in the load generator's JVM (so that the send
 * time the load generator puts in each event's {@code jobId} and the receive time come
 * from one clock). Every request's two signatures are checked; a delivery is counted once
 * by its id. A stalled port accepts requests and never answers.
 */
final class BenchReceiver {

  private final Vertx vertx;
  private final Map<String, Registered> sinks = new ConcurrentHashMap<>();
  private final List<HttpServer> servers = new ArrayList<>();
  private final LongAdder stalled = new LongAdder();
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(BenchReceiver::newMac);

  BenchReceiver(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A new healthy port, answering 200 to the webhooks registered on it. */
  int openPort() {
    return listen(this::receive);
  }

  /** A new port that takes requests and never answers them. */
  int openStalledPort() {
    return listen(request -> stalled.increment());
  }

  private int listen(io.vertx.core.Handler<HttpServerRequest> handler) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions()
        .setHost("127.0.0.1").setPort(0).setIdleTimeout(30));
    servers.add(server);
    return await(server.requestHandler(handler).listen()).actualPort();
  }

  /** Checks signatures on that path with that secret and counts into the sink. */
  void register(String path, String secret, Sink sink) {
    sinks.put(path, new Registered(sink, secret));
  }

  long stalledRequests() {
    return stalled.sum();
  }

  private void receive(HttpServerRequest request) {
    long receivedAt = System.nanoTime();
    request.body().onSuccess(body -> {
      Registered sink = sinks.get(request.path());
      if (sink == null) {
        request.response().setStatusCode(404).end();
        return;
      }
      boolean valid = signedWell(request, body, sink.secret());
      sink.sink().record(request.getHeader("X-Ouvitel-Delivery"), valid,
          receivedAt - sentAt(body));
      request.response().setStatusCode(200).end();
    });
  }

  private boolean signedWell(HttpServerRequest request, Buffer body, String secret) {
    byte[] bytes = body.getBytes();
    Mac mac = macs.get();
    String ouvitel = HexFormat.of().formatHex(
        hmac(mac, secret.getBytes(StandardCharsets.UTF_8), bytes));
    String id = request.getHeader("webhook-id");
    String timestamp = request.getHeader("webhook-timestamp");
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    byte[] signed = (id + "." + timestamp + "." + body.toString(StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8);
    String standard = "v1," + Base64.getEncoder().encodeToString(hmac(mac, key, signed));
    String given = request.getHeader("webhook-signature");
    return MessageDigest.isEqual(ouvitel.getBytes(StandardCharsets.US_ASCII),
        String.valueOf(request.getHeader("X-Ouvitel-Signature"))
            .getBytes(StandardCharsets.US_ASCII))
        && given != null && Set.of(given.split(" ")).contains(standard);
  }

  /** The send time the load generator wrote into the payload: {@code "jobId":"j<nanos>"}. */
  static long sentAt(Buffer body) {
    String text = body.toString(StandardCharsets.UTF_8);
    int start = text.indexOf("\"jobId\":\"j");
    if (start < 0) {
      return System.nanoTime();
    }
    start += 10;
    int end = text.indexOf('"', start);
    return Long.parseLong(text, start, end, 10);
  }

  private static byte[] hmac(Mac mac, byte[] key, byte[] data) {
    try {
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Mac newMac() {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  void close() {
    servers.forEach(server -> server.close());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * What one scenario's endpoints received: deliveries (each id once), bad signatures, and
   * the lag from the load generator's send to the receipt, while its window is open.
   */
  static final class Sink {
    final LongAdder received = new LongAdder();
    final LongAdder badSignatures = new LongAdder();
    final Set<String> deliveries = ConcurrentHashMap.newKeySet();
    final Samples lag = new Samples();

    void record(String deliveryId, boolean validSignature, long lagNanos) {
      received.increment();
      if (!validSignature) {
        badSignatures.increment();
      }
      if (deliveryId != null) {
        deliveries.add(deliveryId);
      }
      lag.addNanos(lagNanos);
    }

    long received() {
      return received.sum();
    }

    long unique() {
      return deliveries.size();
    }
  }

  /** A webhook's path as registered: where it counts, and the secret that signs for it. */
  private record Registered(Sink sink, String secret) {
  }
}
