package com.ouvitel.gateway.bench;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The gateway's own view of a window, from two scrapes of its metrics: how many ingest
 * requests took longer than 10, 25, 50 and 100 ms from arrival to answer, how many waited
 * that long for a group commit to take them, and how many commits took that long. Set beside
 * the load generator's ack and lag tails, it tells a slow PostgreSQL from a slow gateway or a
 * slow load generator.
 */
final class GatewayHistograms {

  private static final String[] HISTOGRAMS = {"ouvitel_ingest_request_duration_seconds",
      "ouvitel_ingest_commit_wait_seconds", "ouvitel_ingest_commit_duration_seconds"};
  private static final String[] BOUNDS = {"0.01", "0.025", "0.05", "0.1"};

  private final String metrics;

  GatewayHistograms(String metricsUrl) {
    this.metrics = metricsUrl;
  }

  /**
   * The cumulative counts now, by histogram and bound, summed over the histogram's labels;
   * empty when the gateway does not answer.
   */
  Map<String, Double> read() {
    Map<String, Double> values = new HashMap<>();
    HttpResponse<String> answer = LocalHttp.get(metrics, Duration.ofSeconds(5));
    if (answer == null || answer.statusCode() != 200) {
      values.put("error", 1.0);
      return values;
    }
    try {
      String text = answer.body();
      for (String line : text.split("\n")) {
        for (String name : HISTOGRAMS) {
          if (!line.startsWith(name + "_count") && !line.startsWith(name + "_bucket")) {
            continue;
          }
          double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          int le = line.indexOf("le=\"");
          String key = le < 0 ? name + "_count"
              : name + "_bucket " + line.substring(le + 4, line.indexOf('"', le + 4));
          values.merge(key, value, Double::sum);
        }
      }
    } catch (RuntimeException unreadable) {
      values.put("error", 1.0);
    }
    return values;
  }

  /** Per histogram, how many in the window took longer than each bound. */
  static JsonObject between(Map<String, Double> before, Map<String, Double> after) {
    JsonObject result = new JsonObject();
    for (String name : HISTOGRAMS) {
      double count = delta(before, after, name + "_count");
      JsonObject slow = new JsonObject().put("count", Math.round(count));
      for (String bound : BOUNDS) {
        double within = delta(before, after, name + "_bucket " + bound);
        slow.put("over" + Math.round(Double.parseDouble(bound) * 1000) + "Ms",
            Math.round(count - within));
      }
      result.put(name.replace("ouvitel_", "").replace("_seconds", ""), slow);
    }
    return result;
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after,
      String series) {
    return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
  }
}
