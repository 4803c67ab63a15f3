package com.ouvitel.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The delivery log")
class DeliveryLogTest {

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
  @DisplayName("pages newest first without repeating or skipping while events keep coming")
  void pages_stably_under_concurrent_inserts() throws Exception {
    Account account = api.createAccount("premium");
    String webhook = api.createWebhook(account, receiver.url("/log"), "all").getString("id");
    Set<String> before = new HashSet<>();
    for (int i = 0; i < 45; i++) {
      before.add(api.deliveriesOf(account, api.sendEvent(account, Api.printSuccess("j" + i))
          .getString("id")).getJsonObject(0).getString("id"));
    }
    AtomicBoolean sending = new AtomicBoolean(true);
    AtomicInteger sentDuring = new AtomicInteger();
    Thread sender = new Thread(() -> {
      while (sending.get()) {
        api.sendEvent(account, Api.printSuccess("during" + sentDuring.incrementAndGet()));
      }
    });
    sender.start();

    List<JsonObject> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = api.get("/v1/deliveries?limit=7&webhookId=" + webhook
          + (cursor == null ? "" : "&cursor=" + encode(cursor)), account.apiKey()).json();
      page.getJsonArray("data").forEach(item -> seen.add((JsonObject) item));
      cursor = page.getString("nextCursor");
      Api.sleep(20);
    } while (cursor != null);
    sending.set(false);
    sender.join(30_000);

    Set<String> ids = new HashSet<>();
    for (int i = 0; i < seen.size(); i++) {
      assertTrue(ids.add(seen.get(i).getString("id")), "repeated " + seen.get(i));
      if (i > 0) {
        assertTrue(newerOrSame(seen.get(i - 1), seen.get(i)), "out of order at " + i);
      }
    }
    assertTrue(ids.containsAll(before), "every delivery that existed is on some page");
    assertTrue(sentDuring.get() > 0, "events were sent while paging");
  }

  @Test
  @DisplayName("filters by status, event and time, and refuses a cursor it did not give")
  void filters_and_refuses_foreign_cursors() {
    Account account = api.createAccount("premium");
    receiver.script("/filtered-bad", 500, 500, 500, 500, 500, 500, 500);
    String good = api.createWebhook(account, receiver.url("/filtered"), "print.success")
        .getString("id");
    api.createWebhook(account, receiver.url("/filtered-bad"), "print.failure");
    JsonObject failure = new JsonObject().put("event", "print.failure").put("payload",
        new JsonObject().put("jobId", "f1").put("printerToken", "p").put("timestamp",
            "2026-01-06T12:00:00Z"));
    String sent = api.sendEvent(account, Api.printSuccess("ok1")).getString("id");
    api.sendEvent(account, failure);
    String deliveryId = api.deliveriesOf(account, sent).getJsonObject(0).getString("id");
    api.awaitDelivery(account, deliveryId, d -> d.getString("status").equals("succeeded"),
        Duration.ofSeconds(30));

    JsonArray succeeded = api.get("/v1/deliveries?status=succeeded&event=print.success",
        account.apiKey()).json().getJsonArray("data");
    JsonArray ofFailures = api.get("/v1/deliveries?event=print.failure", account.apiKey())
        .json().getJsonArray("data");
    JsonArray future = api.get("/v1/deliveries?since=2099-01-01T00:00:00Z",
        account.apiKey()).json().getJsonArray("data");
    Api.Answer foreign = api.get("/v1/deliveries?cursor=" + deliveryId, account.apiKey());

    assertEquals(1, succeeded.size());
    assertEquals(good, succeeded.getJsonObject(0).getString("webhookId"));
    assertEquals(1, ofFailures.size());
    assertEquals("print.failure", ofFailures.getJsonObject(0).getString("event"));
    assertTrue(future.isEmpty());
    assertEquals(400, foreign.status());
    assertTrue(foreign.errorMessage().contains("cursor"));
  }

  @Test
  @DisplayName("reads one delivery with its attempts and body, and its event")
  void reads_a_delivery_and_its_event() {
    Account account = api.createAccount("premium");
    api.createWebhook(account, receiver.url("/one"), "all");
    String eventId = api.sendEvent(account, Api.printSuccess("one")).getString("id");
    String id = api.deliveriesOf(account, eventId).getJsonObject(0).getString("id");
    JsonObject delivery = api.awaitDelivery(account, id,
        d -> d.getString("status").equals("succeeded"), Duration.ofSeconds(30));

    JsonObject event = api.get("/v1/events/" + eventId, account.apiKey()).json();

    assertEquals(1, delivery.getJsonArray("attempts").size());
    assertEquals("success", delivery.getJsonArray("attempts").getJsonObject(0)
        .getString("result"));
    assertTrue(delivery.getString("body").contains("\"jobId\":\"one\""));
    assertEquals(id, event.getJsonArray("deliveries").getJsonObject(0).getString("id"));
    assertFalse(event.getJsonObject("payload").isEmpty());
    assertNull(api.get("/v1/deliveries?limit=1", account.apiKey()).json()
        .getValue("nextCursor"));
  }

  /** By instant, not by text: ISO-8601 text drops trailing zeros ("…00.12Z" > "…00.123Z"). */
  private static boolean newerOrSame(JsonObject earlier, JsonObject later) {
    return !Instant.parse(earlier.getString("createdAt"))
        .isBefore(Instant.parse(later.getString("createdAt")));
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
