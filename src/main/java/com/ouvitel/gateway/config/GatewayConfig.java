package com.ouvitel.gateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * Every setting of the gateway: the defaults of {@code conf/gateway.yaml}, overridden by
 * environment variables named {@code GATEWAY_<KEY>} ({@code DATABASE_URL} for the database).
 * Components never read the environment themselves; they take their options from here.
 */
public final class GatewayConfig {

  private final Map<String, String> values;

  private GatewayConfig(Map<String, String> values) {
    this.values = values;
  }

  /** Reads {@code conf/gateway.yaml} (or the bundled copy) and applies the environment. */
  public static GatewayConfig load(Path file, Map<String, String> environment) {
    Map<String, String> values = readDefaults(file);
    for (String key : values.keySet().toArray(new String[0])) {
      String override = environment.get(environmentName(key));
      if (override != null) {
        values.put(key, override.trim());
      }
    }
    return new GatewayConfig(values).checked();
  }

  /**
   * Settings that are wrong together. The API and the management server on one port would
   * not fail: Vert.x shares a port among its servers and hands each connection to either
   * one in turn, so half the API calls would meet the management routes.
   */
  private GatewayConfig checked() {
    int api = integer("http_port");
    if (api != 0 && api == integer("management_port")) {
      throw new IllegalArgumentException("settings http_port (GATEWAY_HTTP_PORT) and "
          + "management_port (GATEWAY_MANAGEMENT_PORT) must differ, not both " + api);
    }
    return this;
  }

  /** The environment variable that overrides a key. */
  public static String environmentName(String key) {
    if (key.equals("database_url")) {
      return "DATABASE_URL";
    }
    return "GATEWAY_" + key.toUpperCase(Locale.ROOT);
  }

  /** A copy with some settings replaced, for tests and tools. */
  public GatewayConfig with(Map<String, String> overrides) {
    Map<String, String> copy = new LinkedHashMap<>(values);
    overrides.forEach((key, value) -> {
      if (!copy.containsKey(key)) {
        throw new IllegalArgumentException("unknown setting " + key);
      }
      copy.put(key, value);
    });
    return new GatewayConfig(copy).checked();
  }

  public String string(String key) {
    String value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException("unknown setting " + key);
    }
    return value;
  }

  public int integer(String key) {
    try {
      return Integer.parseInt(string(key));
    } catch (NumberFormatException e) {
      throw invalid(key, "a whole number");
    }
  }

  public double decimal(String key) {
    try {
      return Double.parseDouble(string(key));
    } catch (NumberFormatException e) {
      throw invalid(key, "a number");
    }
  }

  public boolean bool(String key) {
    String value = string(key).toLowerCase(Locale.ROOT);
    if (value.equals("true") || value.equals("false")) {
      return value.equals("true");
    }
    throw invalid(key, "true or false");
  }

  public Duration duration(String key) {
    try {
      return Durations.parse(string(key));
    } catch (IllegalArgumentException e) {
      throw invalid(key, "a duration such as 250ms, 5s, 60m or 2h");
    }
  }

  private IllegalArgumentException invalid(String key, String expected) {
    return new IllegalArgumentException(
        "setting " + key + " (" + environmentName(key) + ") must be " + expected
            + ", not '" + values.get(key) + "'");
  }

  private static Map<String, String> readDefaults(Path file) {
    try (InputStream in = open(file)) {
      Map<String, Object> raw = new Yaml().load(in);
      Map<String, String> values = new LinkedHashMap<>();
      raw.forEach((key, value) -> values.put(key, value == null ? "" : value.toString()));
      return values;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read settings from " + file, e);
    }
  }

  private static InputStream open(Path file) throws IOException {
    if (file != null && Files.isRegularFile(file)) {
      return Files.newInputStream(file);
    }
    InputStream bundled = GatewayConfig.class.getResourceAsStream("/gateway.yaml");
    if (bundled == null) {
      throw new IOException("no " + file + " and no bundled gateway.yaml");
    }
    return bundled;
  }
}
