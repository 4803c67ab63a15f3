package com.ouvitel.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.Api.Answer;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The HTTP API")
class ApiContractTest {

  private static TestGateway gateway;
  private static TestReceiver receiver;
  private static Api api;

  @BeforeAll
  static void start() {
    receiver = TestReceiver.http();
    gateway = TestGateway.start(Map.of());
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
  }

  @Test
  @DisplayName("answers a foreign id with 404, exactly as a missing one")
  void isolates_tenants() {
    Account owner = api.createAccount("premium");
    Account stranger = api.createAccount("premium");
    JsonObject webhook = api.createWebhook(owner, receiver.url("/iso"), "all");
    String id = webhook.getString("id");
    JsonObject event = api.sendEvent(owner, Api.printSuccess("job_iso"));
    String deliveryId = api.deliveriesOf(owner, event.getString("id")).getJsonObject(0)
        .getString("id");

    for (String path : new String[] {"/v1/webhooks/" + id, "/v1/webhooks/" + id + "/secret",
        "/v1/events/" + event.getString("id"), "/v1/deliveries/" + deliveryId}) {
      Answer foreign = api.get(path, stranger.apiKey());
      assertEquals(404, foreign.status(), path);
      assertEquals("not_found", foreign.errorCode());
    }
    assertEquals(404, api.delete("/v1/webhooks/" + id, stranger.apiKey()).status());
    assertEquals(404, api.post("/v1/deliveries/" + deliveryId + "/retry", stranger.apiKey(),
        null).status());
    assertEquals(0, api.get("/v1/webhooks", stranger.apiKey()).json()
        .getJsonArray("data").size());
    assertEquals(0, api.get("/v1/deliveries", stranger.apiKey()).json()
        .getJsonArray("data").size());
    assertEquals(200, api.get("/v1/webhooks/" + id, owner.apiKey()).status());
  }

  @Test
  @DisplayName("keeps webhooks for Premium: best effort gets premium_required, events "
      + "are still accepted without deliveries")
  void gates_webhooks_behind_premium() {
    Account account = api.createAccount("best_effort");
    Answer refused = api.post("/v1/webhooks", account.apiKey(), new JsonObject()
        .put("url", receiver.url("/x")).put("events", new JsonArray().add("all")));
    assertEquals(403, refused.status());
    assertEquals("premium_required", refused.errorCode());
    assertTrue(refused.errorMessage().contains("upgrade"));
    assertEquals(403, api.get("/v1/deliveries", account.apiKey()).status());

    JsonObject accepted = api.sendEvent(account, Api.printSuccess("job_be"));
    assertEquals(0, accepted.getInteger("deliveries"));
  }

  @Test
  @DisplayName("disables webhooks and cancels pending deliveries on a downgrade")
  void downgrade_disables_webhooks() {
    Account account = api.createAccount("premium");
    receiver.script("/down", 500);
    JsonObject webhook = api.createWebhook(account, receiver.url("/down"), "all");
    JsonObject event = api.sendEvent(account, Api.printSuccess("job_down"));
    String deliveryId = api.deliveriesOf(account, event.getString("id")).getJsonObject(0)
        .getString("id");
    receiver.await("/down", 1, Duration.ofSeconds(10));

    assertEquals(200, api.setLicense(account.id(), "best_effort").status());
    api.setLicense(account.id(), "premium");
    JsonObject delivery = api.awaitDelivery(account, deliveryId,
        d -> d.getString("status").equals("cancelled"), Duration.ofSeconds(10));
    assertEquals("license_downgraded", delivery.getString("statusReason"));
    JsonObject after = api.get("/v1/webhooks/" + webhook.getString("id"), account.apiKey())
        .json();
    assertFalse(after.getBoolean("enabled"));
    assertEquals("license_downgraded", after.getString("disabledReason"));

    JsonObject enabled = api.patch("/v1/webhooks/" + webhook.getString("id"),
        account.apiKey(), new JsonObject().put("enabled", true)).json();
    assertTrue(enabled.getBoolean("enabled"));
    assertNull(enabled.getString("disabledReason"));
  }

  @Test
  @DisplayName("refuses bad events with a 4xx naming what is wrong, and stores nothing")
  void refuses_bad_events() {
    Account account = api.createAccount("premium");
    String key = account.apiKey();
    expect(api.call("POST", "/v1/events", key, "application/json", "{\"event\":"),
        400, "invalid_json", "$");
    expect(api.post("/v1/events", key, new JsonObject().put("event", "print.maybe")
        .put("payload", new JsonObject())), 400, "unknown_event", "$.event");
    expect(api.post("/v1/events", key, new JsonObject().put("event", "all")
        .put("payload", new JsonObject())), 400, "unknown_event", "$.event");
    expect(api.post("/v1/events", key, new JsonObject().put("event", "print.success")),
        400, "missing_field", "$.payload");
    expect(api.post("/v1/events", key, new JsonObject().put("event", "print.success")
            .put("payload", new JsonObject().put("printerToken", "p")
                .put("timestamp", "2026-01-06T12:00:00Z"))),
        400, "missing_field", "$.payload.jobId");
    expect(api.post("/v1/events", key, new JsonObject().put("event", "print.success")
            .put("payload", new JsonObject().put("jobId", 5).put("printerToken", "p")
                .put("timestamp", "2026-01-06T12:00:00Z"))),
        400, "invalid_field", "$.payload.jobId");
    expect(api.post("/v1/events", key, new JsonObject().put("event", "print.success")
            .put("payload", new JsonObject().put("jobId", "j").put("printerToken", "p")
                .put("timestamp", "06/01/2026 12:00"))),
        400, "invalid_field", "$.payload.timestamp");
    expect(api.post("/v1/events", key, Api.printSuccess("j").put("timestamp",
        "2026-01-06T12:00:00+02:00")), 400, "invalid_field", "$.timestamp");
    expect(api.post("/v1/events", key, Api.printSuccess("j").put("extra", 1)),
        400, "unknown_field", "$.extra");
    expect(api.call("POST", "/v1/events", key, "text/plain", "{}"),
        415, "unsupported_media_type", "text/plain");
    expect(api.call("POST", "/v1/events", key, "application/json; charset=latin1", "{}"),
        415, "unsupported_media_type", "latin1");
    expect(api.post("/v1/events", null, Api.printSuccess("j")), 401, "unauthorized",
        "API key");
    expect(api.post("/v1/events", "ouv_wrong", Api.printSuccess("j")), 401, "unauthorized",
        "not valid");
    expect(api.post("/v1/accounts", "wrong-admin", new JsonObject()), 401, "unauthorized",
        "admin token");
    expect(api.get("/v1/events/evt_nope", key), 404, "not_found", "event");
    expect(api.get("/v1/deliveries/dlv_01m8yxnptb13d844c947cbaf77", key), 404,
        "not_found", "delivery");

    Answer accepted = api.call("POST", "/v1/events", key, "Application/JSON; Charset=\"UTF-8\"",
        Api.printSuccess("j").encode());
    assertEquals(202, accepted.status(), accepted.text());
    Object stored = TestDatabase.queryValue("SELECT count(*) FROM events WHERE account_id = '"
        + account.id() + "'");
    assertEquals(1L, ((Number) stored).longValue(), "refused events leave no rows");
  }

  @Test
  @DisplayName("refuses bad webhooks: wrong scheme, private address, unknown event type")
  void refuses_bad_webhooks() {
    Account account = api.createAccount("premium");
    String key = account.apiKey();
    expect(api.post("/v1/webhooks", key, new JsonObject().put("url", "ftp://x.example")
        .put("events", new JsonArray().add("all"))), 400, "invalid_url", "https://");
    expect(api.post("/v1/webhooks", key, new JsonObject().put("url", "https://10.0.0.1/x")
        .put("events", new JsonArray().add("all"))), 400, "invalid_url", "private");
    expect(api.post("/v1/webhooks", key, new JsonObject().put("url", "https://127.0.0.1.nip")
        .put("events", new JsonArray().add("all"))), 400, "invalid_url", "resolve");
    expect(api.post("/v1/webhooks", key, new JsonObject().put("url", receiver.url("/w"))
        .put("events", new JsonArray().add("print.sucess"))), 400, "invalid_field",
        "events");
    expect(api.post("/v1/webhooks", key, new JsonObject().put("url", receiver.url("/w"))),
        400, "missing_field", "events");
    expect(api.post("/v1/webhooks", key, new JsonObject().put("url", receiver.url("/w"))
        .put("events", new JsonArray().add("all")).put("secret", "mine")), 400,
        "unknown_field", "secret");
  }

  @Test
  @DisplayName("manages webhooks: list, update, secret, rotation and delete")
  void manages_webhooks() {
    Account account = api.createAccount("premium");
    String key = account.apiKey();
    JsonObject created = api.createWebhook(account, receiver.url("/crud"), "print.success");
    String id = created.getString("id");
    assertTrue(id.startsWith("wh_"));
    JsonObject listed = api.get("/v1/webhooks", key).json();
    assertEquals(1, listed.getJsonArray("data").size());
    assertNull(listed.getValue("nextCursor"));
    assertFalse(listed.getJsonArray("data").getJsonObject(0).containsKey("secret"));

    JsonObject updated = api.patch("/v1/webhooks/" + id, key, new JsonObject()
        .put("events", new JsonArray().add("print.failure").add("printer.online"))
        .put("description", "night shift")).json();
    assertEquals(new JsonArray().add("print.failure").add("printer.online"),
        updated.getJsonArray("events"));
    assertEquals("night shift", updated.getString("description"));

    String secret = api.get("/v1/webhooks/" + id + "/secret", key).json().getString("secret");
    assertEquals(created.getString("secret"), secret);
    JsonObject rotated = api.post("/v1/webhooks/" + id + "/rotate-secret", key, null).json();
    assertFalse(secret.equals(rotated.getString("secret")));
    assertTrue(rotated.getString("previousSecretExpiresAt") != null);

    assertEquals(204, api.delete("/v1/webhooks/" + id, key).status());
    assertEquals(404, api.get("/v1/webhooks/" + id, key).status());
  }

  @Test
  @DisplayName("answers a repeated idempotency key with the original result")
  void idempotent_ingest() {
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/idem"), "all");
    JsonObject event = Api.printSuccess("job_idem").put("id", "fleet-event-42");
    JsonObject first = api.sendEvent(account, event);
    JsonObject second = api.sendEvent(account, event);
    assertEquals(first, second);
    assertEquals(1, first.getInteger("deliveries"));
    Answer conflict = api.post("/v1/events", account.apiKey(),
        Api.printSuccess("job_other").put("id", "fleet-event-42"));
    assertEquals(409, conflict.status());
    assertEquals("idempotency_conflict", conflict.errorCode());
    receiver.await("/idem", 1, Duration.ofSeconds(10));
    Api.sleep(300);
    assertEquals(1, receiver.requests("/idem").size());
  }

  private static void expect(Answer answer, int status, String code, String mention) {
    assertEquals(status, answer.status(), answer.text());
    assertEquals(code, answer.errorCode(), answer.text());
    assertTrue(answer.errorMessage().contains(mention),
        "'" + answer.errorMessage() + "' should mention " + mention);
  }
}
