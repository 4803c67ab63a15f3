package com.ouvitel.gateway.durability;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestReceiver;
import com.ouvitel.gateway.support.TestReceiver.Request;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a test receiver got on one path, read as deliveries of the fleet's jobs. */
final class Received {

  private final TestReceiver receiver;
  private final String path;

  Received(TestReceiver receiver, String path) {
    this.receiver = receiver;
    this.path = path;
  }

  /** The jobIds of every delivery received so far. */
  Set<String> jobs() {
    Set<String> jobs = new HashSet<>();
    for (Request request : receiver.requests(path)) {
      jobs.add(jobId(request));
    }
    return jobs;
  }

  /** Waits until every one of those jobs has arrived at least once; answers the missing. */
  Set<String> awaitJobs(Set<String> expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<String> missing = new HashSet<>(expected);
    while (System.nanoTime() < deadline) {
      missing.removeAll(jobs());
      if (missing.isEmpty()) {
        return missing;
      }
      Api.sleep(200);
    }
    return missing;
  }

  /** Deliveries received more than once, by delivery id. */
  Map<String, List<Request>> duplicates() {
    Map<String, List<Request>> twice = new LinkedHashMap<>();
    receiver.byDelivery(path).forEach((id, requests) -> {
      if (requests.size() > 1) {
        twice.put(id, requests);
      }
    });
    return twice;
  }

  /** True when every copy of a delivery carries the same body bytes. */
  static boolean sameBodies(List<Request> copies) {
    return copies.stream().allMatch(copy -> Arrays.equals(copy.body(), copies.get(0).body()));
  }

  /** The attempts a database logged, counted by result, e.g. {@code success=2000}. */
  static String attemptResults(String databaseUrl) {
    return String.valueOf(TestDatabase.queryValue(databaseUrl, """
        SELECT string_agg(result || '=' || n || coalesce(' (' || error || ')', ''), ', ')
        FROM (SELECT result, min(error) AS error, count(*) AS n FROM attempts
              GROUP BY result) counted
        """));
  }

  int requests() {
    return receiver.requests(path).size();
  }

  static String jobId(Request request) {
    return new JsonObject(request.text()).getJsonObject("payload").getString("jobId");
  }
}
