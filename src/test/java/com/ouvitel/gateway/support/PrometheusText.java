package com.ouvitel.gateway.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One scrape of a Prometheus text exposition, parsed into samples. */
public final class PrometheusText {

  /** One sample line: a metric name, its labels and its value. */
  public record Sample(String name, Map<String, String> labels, double value) {
  }

  /** HTTP/1.1 as Prometheus scrapes: the JDK client's h2c upgrade stalls on large answers. */
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = samples;
  }

  /** GETs the URL and parses the answer; fails unless it is a 200. */
  public static PrometheusText scrape(String url) {
    try {
      // A hard deadline of our own on top of the request timeout: a scrape never hangs a run.
      HttpResponse<String> response = CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString())
          .get(40, TimeUnit.SECONDS);
      if (response.statusCode() != 200) {
        throw new AssertionError(url + " answered " + response.statusCode());
      }
      return parse(response.body());
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot scrape " + url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        samples.add(sample(line));
      }
    }
    return new PrometheusText(samples);
  }

  public List<Sample> samples() {
    return samples;
  }

  /** True when at least one sample has that name. */
  public boolean has(String name) {
    return samples.stream().anyMatch(sample -> sample.name().equals(name));
  }

  /** The sum of the samples of that name whose labels include all of {@code match}. */
  public double sum(String name, Map<String, String> match) {
    double total = 0;
    for (Sample sample : samples) {
      if (sample.name().equals(name)
          && sample.labels().entrySet().containsAll(match.entrySet())) {
        total += sample.value();
      }
    }
    return total;
  }

  public double sum(String name) {
    return sum(name, Map.of());
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space;
    String name;
    Map<String, String> labels = new LinkedHashMap<>();
    if (brace >= 0 && brace < line.indexOf(' ')) {
      name = line.substring(0, brace);
      int end = readLabels(line, brace + 1, labels);
      space = end + 1;
    } else {
      space = line.indexOf(' ');
      name = line.substring(0, space);
    }
    String[] rest = line.substring(space).trim().split(" ");
    return new Sample(name, labels, Double.parseDouble(rest[0]));
  }

  /** Reads name="value" pairs up to the closing brace; returns the brace's index. */
  private static int readLabels(String line, int from, Map<String, String> labels) {
    int i = from;
    while (line.charAt(i) != '}') {
      int equals = line.indexOf('=', i);
      String key = line.substring(i, equals).trim();
      StringBuilder value = new StringBuilder();
      int j = equals + 2;
      while (line.charAt(j) != '"') {
        char c = line.charAt(j);
        if (c == '\\') {
          j++;
          char escaped = line.charAt(j);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(c);
        }
        j++;
      }
      labels.put(key, value.toString());
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    return i;
  }
}
