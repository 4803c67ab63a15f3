package com.ouvitel.gateway.bench;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The five scenarios against a running gateway. Each creates its own accounts and webhooks
 * (every webhook on its own receiver path, subscribed to every event), warms up, measures a
 * window, stops, and waits until every acknowledged event has reached its endpoints.
 */
final class Scenarios {

  /** A Premium account with its API key and the ids of its webhooks. */
  record Account(String apiKey, List<String> webhookIds) {
  }

  private final BenchSettings settings;
  private final LoadClient gateway;
  private final BenchReceiver receiver;
  private final Measurement measurement;
  private final String adminToken;
  private final AtomicLong names = new AtomicLong();

  Scenarios(BenchSettings settings, LoadClient gateway, BenchReceiver receiver,
      Measurement measurement, String adminToken) {
    this.settings = settings;
    this.gateway = gateway;
    this.receiver = receiver;
    this.measurement = measurement;
    this.adminToken = adminToken;
  }

  /** 1: single-event requests on many connections, into an account without webhooks. */
  JsonObject durableIngest() {
    Account account = account(List.of(), null);
    LoadClient.Run run = gateway.start(new LoadClient.Plan(
        sent -> single(account, sent), settings.connections(), 0, 0, 1, null));
    JsonObject window = measurement.window(List.of(run), List.of());
    return ingestResult(run, window).put("connections", settings.connections());
  }

  /** 2: {@code POST /v1/events/batch} of batchSize events, a few requests in flight. */
  JsonObject batchIngest() {
    Account account = account(List.of(), null);
    int size = settings.batchSize();
    LoadClient.Run run = gateway.start(new LoadClient.Plan(
        sent -> batch(account, size, sent), settings.batchConnections(), 0, 0, 1, null));
    JsonObject window = measurement.window(List.of(run), List.of());
    return ingestResult(run, window).put("batchSize", size)
        .put("requestsInFlight", settings.batchConnections());
  }

  /**
   * 3a: end to end at full load: batches spread over several accounts, each with one
   * webhook on its own endpoint, holding at most {@code outstanding} events in the pipeline.
   */
  JsonObject endToEndFullLoad(List<Integer> ports) {
    BenchReceiver.Sink sink = new BenchReceiver.Sink();
    List<Account> accounts = endpointAccounts(ports, sink);
    int size = settings.batchSize();
    AtomicLong turn = new AtomicLong();
    LoadClient.Run run = gateway.start(new LoadClient.Plan(
        sent -> batch(next(accounts, turn), size, sent), settings.batchConnections(), 0,
        settings.outstanding(), 1, sink));
    JsonObject window = measurement.window(List.of(run), List.of(sink));
    return deliveryResult(run, sink, window, 1, webhookIds(accounts))
        .put("endpoints", ports.size()).put("batchSize", size)
        .put("outstandingCap", settings.outstanding());
  }

  /** 3b: end to end at a fixed rate of single-event requests: the lag at a moderate load. */
  JsonObject endToEndFixedRate(List<Integer> ports) {
    BenchReceiver.Sink sink = new BenchReceiver.Sink();
    List<Account> accounts = endpointAccounts(ports, sink);
    AtomicLong turn = new AtomicLong();
    LoadClient.Run run = gateway.start(new LoadClient.Plan(
        sent -> single(next(accounts, turn), sent), settings.connections(),
        settings.fixedRate(), 0, 1, null));
    JsonObject window = measurement.window(List.of(run), List.of(sink));
    return deliveryResult(run, sink, window, 1, webhookIds(accounts))
        .put("targetRate", settings.fixedRate()).put("endpoints", ports.size());
  }

  /** 4: every event to 10 webhooks of one account, each on its own endpoint. */
  JsonObject fanOut(List<Integer> tenPorts) {
    BenchReceiver.Sink sink = new BenchReceiver.Sink();
    List<String> urls = new ArrayList<>();
    for (int port : tenPorts) {
      urls.add(url(port, "/fan/" + names.incrementAndGet()));
    }
    Account account = account(urls, sink);
    int size = Math.max(1, settings.batchSize() / 10);
    LoadClient.Run run = gateway.start(new LoadClient.Plan(
        sent -> batch(account, size, sent), settings.batchConnections(), 0,
        settings.outstanding(), tenPorts.size(), sink));
    JsonObject window = measurement.window(List.of(run), List.of(sink));
    return deliveryResult(run, sink, window, tenPorts.size(), account.webhookIds())
        .put("webhooksPerEvent", tenPorts.size()).put("batchSize", size);
  }

  /**
   * 5: a healthy endpoint at a fixed rate, first alone, then beside an endpoint that never
   * answers and receives the same rate: the healthy lag in both.
   */
  JsonObject stalledBesideHealthy(int healthyPort, int stalledPort) {
    BenchReceiver.Sink alone = new BenchReceiver.Sink();
    Account healthy = account(List.of(url(healthyPort, "/healthy/alone")), alone);
    int rate = settings.isolationRate();
    LoadClient.Run first = gateway.start(new LoadClient.Plan(
        sent -> single(healthy, sent), settings.connections() / 2, rate, 0, 1, null));
    JsonObject aloneWindow = measurement.window(List.of(first), List.of(alone));
    JsonObject aloneResult = deliveryResult(first, alone, aloneWindow, 1,
        healthy.webhookIds());

    BenchReceiver.Sink beside = new BenchReceiver.Sink();
    Account healthyAgain = account(List.of(url(healthyPort, "/healthy/beside")), beside);
    Account stalled = account(List.of(url(stalledPort, "/stalled")), null);
    LoadClient.Run second = gateway.start(new LoadClient.Plan(
        sent -> single(healthyAgain, sent), settings.connections() / 2, rate, 0, 1, null));
    LoadClient.Run toStalled = gateway.start(new LoadClient.Plan(
        sent -> single(stalled, sent), settings.connections() / 2, rate, 0, 1, null));
    JsonObject besideWindow = measurement.window(List.of(second, toStalled),
        List.of(beside));
    toStalled.stop();
    JsonObject besideResult = deliveryResult(second, beside, besideWindow, 1,
        healthyAgain.webhookIds());
    return new JsonObject().put("rate", rate).put("alone", aloneResult)
        .put("besideStalled", besideResult
            .put("eventsToStalledEndpoint", toStalled.ackedEvents.get())
            .put("stalledRequestsSeen", receiver.stalledRequests()));
  }

  // ---- results ----

  private JsonObject ingestResult(LoadClient.Run run, JsonObject window) {
    run.stop();
    Samples.Summary latency = run.latency.summary();
    return new JsonObject()
        .put("eventsPerSecond", Math.round(run.eventsPerSecond()))
        .put("requestsPerSecond", Math.round(run.windowRequests.get() / run.windowSeconds()))
        .put("ackLatencyMs", latencyJson(latency))
        .put("failedRequests", run.failedRequests.get())
        .put("refusedItems", run.refusedItems.get())
        .put("firstFailure", run.firstFailure.get())
        .put("cpuMicrosPerEvent", Measurement.cpuMicrosPer(window, run.windowEvents.get()))
        .put("window", window);
  }

  private JsonObject deliveryResult(LoadClient.Run run, BenchReceiver.Sink sink,
      JsonObject window, int fanOut, List<String> webhookIds) {
    run.stop();
    long expected = run.ackedEvents.get() * fanOut;
    long waitStart = System.nanoTime();
    while (sink.unique() < expected && System.nanoTime() - waitStart < 60_000_000_000L) {
      Pause.millis(50);
    }
    double seconds = window.getDouble("seconds");
    long receivedInWindow = window.getJsonObject("received").getLong("0");
    JsonObject result = new JsonObject()
        .put("deliveriesPerSecond", Math.round(receivedInWindow / seconds))
        .put("eventsAcknowledgedPerSecond", Math.round(run.eventsPerSecond()))
        .put("lagMs", latencyJson(sink.lag.summary()))
        .put("lagAbove10Ms", sink.lag.above(10))
        .put("ackLatencyMs", latencyJson(run.latency.summary()))
        .put("ackAbove10Ms", run.latency.above(10))
        .put("eventsAcknowledged", run.ackedEvents.get())
        .put("deliveriesExpected", expected)
        .put("deliveriesReceived", sink.unique())
        .put("requestsReceived", sink.received())
        .put("badSignatures", sink.badSignatures.sum())
        .put("secondsToDeliverTheRest", Math.round((System.nanoTime() - waitStart) / 1e7)
            / 100.0)
        .put("failedRequests", run.failedRequests.get())
        .put("refusedItems", run.refusedItems.get())
        .put("firstFailure", run.firstFailure.get());
    result.put("cpuMicrosPerDelivery", Measurement.cpuMicrosPer(window, receivedInWindow));
    result.put("attemptsLogged", measurement.attemptsLogged(webhookIds, sink.received()));
    return result.put("window", window);
  }

  static JsonObject latencyJson(Samples.Summary summary) {
    return new JsonObject().put("count", summary.count()).put("p50", summary.p50())
        .put("p99", summary.p99()).put("max", summary.max());
  }

  // ---- setup ----

  private List<Account> endpointAccounts(List<Integer> ports, BenchReceiver.Sink sink) {
    List<Account> accounts = new ArrayList<>();
    for (int port : ports) {
      accounts.add(account(List.of(url(port, "/e2e/" + names.incrementAndGet())), sink));
    }
    return accounts;
  }

  /** A Premium account with one webhook per URL, registered on the receiver with its sink. */
  private Account account(List<String> urls, BenchReceiver.Sink sink) {
    JsonObject created = BenchReceiver.await(gateway.call(HttpMethod.POST, "/v1/accounts",
        adminToken, new JsonObject().put("name", "bench " + names.incrementAndGet())
            .put("license", "premium")));
    String apiKey = created.getString("apiKey");
    List<String> ids = new ArrayList<>();
    for (String url : urls) {
      JsonObject webhook = BenchReceiver.await(gateway.call(HttpMethod.POST, "/v1/webhooks",
          apiKey, new JsonObject().put("url", url).put("events", new JsonArray().add("all"))));
      ids.add(webhook.getString("id"));
      if (sink != null) {
        receiver.register(url.substring(url.indexOf('/', 8)), webhook.getString("secret"),
            sink);
      }
    }
    return new Account(apiKey, ids);
  }

  private static List<String> webhookIds(List<Account> accounts) {
    List<String> ids = new ArrayList<>();
    accounts.forEach(account -> ids.addAll(account.webhookIds()));
    return ids;
  }

  private static String url(int port, String path) {
    return "http://127.0.0.1:" + port + path;
  }

  private static Account next(List<Account> accounts, AtomicLong turn) {
    return accounts.get((int) (turn.getAndIncrement() % accounts.size()));
  }

  private static LoadClient.Request single(Account account, long sent) {
    return new LoadClient.Request(account.apiKey(), "/v1/events", EventBodies.single(sent), 1);
  }

  private static LoadClient.Request batch(Account account, int size, long sent) {
    return new LoadClient.Request(account.apiKey(), "/v1/events/batch",
        EventBodies.batch(size, sent), size);
  }
}
