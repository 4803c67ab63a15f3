package com.ouvitel.gateway.printer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.PrinterFleet;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The printer API")
class PrinterApiTest {

  private static String database;
  private static TestGateway gateway;
  private static Api api;

  @BeforeAll
  static void start() {
    database = TestDatabase.freshDatabase();
    gateway = TestGateway.start(Map.of("database_url", database));
    api = gateway.api;
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  @DisplayName("answers a heartbeat with 204 and lists the printer online, last seen now")
  void heartbeat_makes_the_printer_known_and_online() {
    PrinterFleet fleet = new PrinterFleet(database, api.createAccount("premium"));
    Instant before = Instant.now().minusSeconds(1);
    fleet.heartbeat(api, "abc123");

    JsonObject page = list(fleet.account(), "");
    assertEquals(1, page.getJsonArray("data").size());
    JsonObject printer = page.getJsonArray("data").getJsonObject(0);
    assertEquals("abc123", printer.getString("printerToken"));
    assertEquals("online", printer.getString("state"));
    Instant lastSeen = Instant.parse(printer.getString("lastSeenAt"));
    assertTrue(!lastSeen.isBefore(before) && lastSeen.isBefore(Instant.now().plusSeconds(1)),
        printer.encode());
    assertNull(page.getValue("nextCursor"));
  }

  @Test
  @DisplayName("accepts many heartbeats at once, as tokens or objects, with 202")
  void batch_of_heartbeats() {
    PrinterFleet fleet = new PrinterFleet(database, api.createAccount("best_effort"));
    JsonArray printers = new JsonArray().add("p-1").add(new JsonObject()
        .put("printerToken", "p-2")).add("p-1");
    Api.Answer answer = api.post("/v1/heartbeats", fleet.account().apiKey(),
        new JsonObject().put("printers", printers));
    assertEquals(202, answer.status(), answer.text());
    assertEquals(3, answer.json().getInteger("accepted"));
    assertEquals(2, fleet.printersIn("online"));
  }

  @Test
  @DisplayName("refuses a batch whose item is not a printer token, naming the item")
  void batch_refusals_name_the_item() {
    Account account = api.createAccount("premium");
    Api.Answer bad = api.post("/v1/heartbeats", account.apiKey(), new JsonObject()
        .put("printers", new JsonArray().add("ok-1").add("ok-2").add("not ok")));
    assertEquals(400, bad.status(), bad.text());
    assertEquals("invalid_field", bad.errorCode());
    assertTrue(bad.errorMessage().startsWith("$.printers[2] "), bad.errorMessage());
    assertTrue(bad.errorMessage().contains("'not ok'"), bad.errorMessage());

    Api.Answer number = api.post("/v1/heartbeats", account.apiKey(), new JsonObject()
        .put("printers", new JsonArray().add(7)));
    assertTrue(number.errorMessage().startsWith("$.printers[0] "), number.errorMessage());
    Api.Answer object = api.post("/v1/heartbeats", account.apiKey(), new JsonObject()
        .put("printers", new JsonArray().add(new JsonObject().put("printerToken", ""))));
    assertTrue(object.errorMessage().startsWith("$.printers[0].printerToken "),
        object.errorMessage());

    Api.Answer missing = api.post("/v1/heartbeats", account.apiKey(), new JsonObject());
    assertEquals(400, missing.status());
    assertEquals("missing_field", missing.errorCode());
    Api.Answer empty = api.post("/v1/heartbeats", account.apiKey(),
        new JsonObject().put("printers", new JsonArray()));
    assertEquals("invalid_field", empty.errorCode());
    Api.Answer unknown = api.post("/v1/heartbeats", account.apiKey(),
        new JsonObject().put("printers", new JsonArray().add("a")).put("extra", 1));
    assertEquals("unknown_field", unknown.errorCode());
    assertEquals(0L, TestDatabase.queryValue(database,
        "SELECT count(*) FROM printers WHERE account_id = '" + account.id() + "'"));
  }

  @Test
  @DisplayName("refuses a heartbeat for a token that is not one, and one without an API key")
  void single_heartbeat_refusals() {
    Account account = api.createAccount("premium");
    Api.Answer bad = api.post("/v1/printers/" + "x".repeat(129) + "/heartbeat",
        account.apiKey(), null);
    assertEquals(400, bad.status(), bad.text());
    assertTrue(bad.errorMessage().startsWith("printerToken "), bad.errorMessage());
    Api.Answer anonymous = api.post("/v1/printers/abc/heartbeat", null, null);
    assertEquals(401, anonymous.status());
  }

  @Test
  @DisplayName("lists printers in token order, page by page, filtered by state")
  void keyset_pages_and_state_filter() {
    PrinterFleet fleet = new PrinterFleet(database, api.createAccount("premium"));
    List<String> tokens = PrinterFleet.tokens("pg", 250);
    fleet.heartbeats(api, tokens);
    fleet.push(api, "printer.offline", "pg-0007");
    fleet.push(api, "printer.offline", "pg-0123");

    List<String> seen = new ArrayList<>();
    String cursor = "";
    int pages = 0;
    do {
      JsonObject page = list(fleet.account(), "?limit=100" + cursor);
      page.getJsonArray("data").forEach(item -> seen.add(((JsonObject) item)
          .getString("printerToken")));
      pages++;
      Object next = page.getValue("nextCursor");
      cursor = next == null ? null : "&cursor=" + next;
    } while (cursor != null);
    assertEquals(3, pages);
    assertEquals(tokens, seen);

    JsonObject offline = list(fleet.account(), "?state=offline");
    assertEquals(List.of("pg-0007", "pg-0123"), offline.getJsonArray("data").stream()
        .map(item -> ((JsonObject) item).getString("printerToken")).toList());
    assertEquals("offline", offline.getJsonArray("data").getJsonObject(0).getString("state"));
    assertEquals(248, list(fleet.account(), "?state=online&limit=1000")
        .getJsonArray("data").size());

    Api.Answer badState = api.get("/v1/printers?state=asleep", fleet.account().apiKey());
    assertEquals(400, badState.status());
    assertTrue(badState.errorMessage().startsWith("state "), badState.errorMessage());
    Api.Answer badCursor = api.get("/v1/printers?cursor=nope", fleet.account().apiKey());
    assertEquals(400, badCursor.status());
    assertTrue(badCursor.errorMessage().startsWith("cursor "), badCursor.errorMessage());
  }

  @Test
  @DisplayName("keeps each account's printers to itself, even with the same tokens")
  void tenant_isolation() {
    PrinterFleet first = new PrinterFleet(database, api.createAccount("premium"));
    PrinterFleet second = new PrinterFleet(database, api.createAccount("premium"));
    first.heartbeats(api, List.of("shared-1", "only-first"));
    second.heartbeat(api, "shared-1");
    second.push(api, "printer.offline", "shared-1");

    JsonArray firstList = list(first.account(), "").getJsonArray("data");
    JsonArray secondList = list(second.account(), "").getJsonArray("data");
    assertEquals(2, firstList.size());
    assertEquals("online", firstList.getJsonObject(1).getString("state"));
    assertEquals(1, secondList.size());
    assertEquals("offline", secondList.getJsonObject(0).getString("state"));
    assertNotNull(secondList.getJsonObject(0).getString("lastSeenAt"));
  }

  private static JsonObject list(Account account, String query) {
    Api.Answer answer = api.get("/v1/printers" + query, account.apiKey());
    assertEquals(200, answer.status(), answer.text());
    return answer.json();
  }
}
