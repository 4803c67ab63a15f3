package com.ouvitel.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.CapturedGatewayProcess;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The logs of the gateway run as its own process: what start-up prints, one line per
 * change and per failed delivery with its ids, the format, and no secret anywhere.
 */
@DisplayName("The gateway's logs")
class GatewayLogsTest {

  private static final String PASSWORD = "pg-Passw0rd-never-logged";
  private static final Pattern LISTENS = Pattern.compile(
      "serves the API on port (\\d+) and metrics and health on port (\\d+), using "
          + "PostgreSQL at 127\\.0\\.0\\.1:5432/(\\w+)");
  private static final Pattern TOKEN = Pattern.compile("admin token is (\\S+)");
  private static final Duration START = Duration.ofSeconds(90);

  @Test
  @DisplayName("are one JSON object a line with GATEWAY_LOG_FORMAT=json, and keep secrets out")
  void json_lines_without_secrets() {
    Map<String, String> environment = environment();
    environment.put("GATEWAY_LOG_FORMAT", "json");
    List<String> secrets = new ArrayList<>();
    List<String> stdout;
    String adminToken;
    try (TestReceiver receiver = TestReceiver.http().script("/down", 500);
        CapturedGatewayProcess gateway = CapturedGatewayProcess.start(environment)) {
      Matcher listens = LISTENS.matcher(message(gateway.awaitLine(
          line -> LISTENS.matcher(message(line)).find(), START)));
      assertTrue(listens.find());
      Matcher token = TOKEN.matcher(message(gateway.awaitLine(
          line -> TOKEN.matcher(message(line)).find(), START)));
      assertTrue(token.find(), "a generated admin token is printed");
      adminToken = token.group(1);

      Api api = new Api("http://127.0.0.1:" + listens.group(1), adminToken);
      Api.Account account = api.createAccount("premium");
      JsonObject ok = api.createWebhook(account, receiver.url("/ok"), "all");
      JsonObject down = api.createWebhook(account, receiver.url("/down"), "print.success");
      secrets.addAll(List.of(account.apiKey(), ok.getString("secret"),
          down.getString("secret")));
      String event = api.sendEvent(account, Api.printSuccess("job_logged")).getString("id");
      for (TestReceiver.Request request : receiver.await("/ok", 1, Duration.ofSeconds(30))) {
        secrets.add(request.header("X-Ouvitel-Signature"));
        secrets.add(request.header("webhook-signature"));
      }
      gateway.awaitLine(line -> message(line).contains("failed after 2 attempts"), START);

      assertStoppedBySigterm(gateway.stop(Duration.ofSeconds(60)));
      stdout = gateway.stdout();
      assertLogged(stdout, "Account " + account.id() + " created with licence premium");
      assertLogged(stdout, "created webhook " + ok.getString("id"));
      assertLogged(stdout, "of webhook " + down.getString("id") + " failed after 2 attempts");
      assertLogged(stdout, "is draining", gateway.transcript());
      assertLogged(stdout, "stopped", gateway.transcript());
      assertFalse(event.isEmpty());
    }

    for (String line : stdout) {
      JsonObject json = new JsonObject(line);
      assertTrue(json.containsKey("level") && json.containsKey("timestamp")
          && json.containsKey("loggerName") && json.containsKey("formattedMessage"), line);
      for (String secret : secrets) {
        assertFalse(line.contains(secret), "a secret, key or signature is logged: " + line);
      }
      assertFalse(line.contains(PASSWORD), "the database password is logged: " + line);
    }
    assertEquals(1, stdout.stream().filter(line -> line.contains(adminToken)).count(),
        "the generated admin token is printed once");
  }

  @Test
  @DisplayName("are readable text by default, and never print an admin token that was set")
  void text_lines_by_default() {
    Map<String, String> environment = environment();
    environment.put("GATEWAY_ADMIN_TOKEN", "adm-configured-never-logged");
    try (CapturedGatewayProcess gateway = CapturedGatewayProcess.start(environment)) {
      String started = gateway.awaitLine(line -> LISTENS.matcher(line).find(), START);

      assertTrue(started.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO .*"),
          started);
      assertStoppedBySigterm(gateway.stop(Duration.ofSeconds(60)));
      for (String line : gateway.stdout()) {
        assertFalse(line.startsWith("{"), line);
        assertFalse(line.contains("adm-configured-never-logged"), line);
        assertFalse(line.contains("admin token is"), line);
        assertFalse(line.contains(PASSWORD), line);
      }
    }
  }

  /** A JVM ended by SIGTERM exits 143 once its shutdown hooks (the drain) are done. */
  private static void assertStoppedBySigterm(int exitStatus) {
    assertTrue(exitStatus == 143 || exitStatus == 0, "exit status " + exitStatus);
  }

  /** Settings of a local run on a fresh database, reached with a password. */
  private static Map<String, String> environment() {
    String url = TestDatabase.freshDatabase()
        .replace("postgres://postgres@", "postgres://postgres:" + PASSWORD + "@");
    Map<String, String> environment = new HashMap<>();
    environment.put("DATABASE_URL", url);
    environment.put("GATEWAY_HTTP_PORT", "0");
    environment.put("GATEWAY_MANAGEMENT_PORT", "0");
    environment.put("GATEWAY_HTTP_INSTANCES", "1");
    environment.put("GATEWAY_ALLOW_HTTP_ENDPOINTS", "true");
    environment.put("GATEWAY_ALLOWED_CIDRS", "127.0.0.0/8");
    environment.put("GATEWAY_RETRY_INITIAL_DELAY", "500ms");
    environment.put("GATEWAY_RETRY_MAX_RETRIES", "1");
    environment.put("GATEWAY_DRAIN_TIMEOUT", "5s");
    return environment;
  }

  /** The message of a JSON log line, or the line itself when it is not JSON. */
  private static String message(String line) {
    if (!line.startsWith("{")) {
      return line;
    }
    String message = new JsonObject(line).getString("formattedMessage");
    return message == null ? "" : message;
  }

  private static void assertLogged(List<String> lines, String text) {
    assertLogged(lines, text, String.join("\n", lines));
  }

  private static void assertLogged(List<String> lines, String text, String transcript) {
    assertTrue(lines.stream().anyMatch(line -> message(line).contains(text)),
        "no line says '" + text + "' in:\n" + transcript);
  }
}
