package com.ouvitel.gateway.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A key stored earlier and then sent several times within one group commit (one batch puts
 * them in the same commit for sure): each copy is compared with the stored event, not with
 * the first copy of the commit.
 */
@DisplayName("A stored idempotency key repeated within one commit")
class RepeatedKeyInOneCommitTest {

  private static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(Map.of());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  @DisplayName("answers each copy against the stored event: the same one 202, another 409")
  void each_copy_is_compared_with_the_stored_event() {
    Account account = gateway.api.createAccount("premium");
    JsonObject original = Api.printSuccess("job_owner").put("id", "fleet-key-7");
    String storedId = gateway.api.sendEvent(account, original).getString("id");
    JsonObject other = Api.printSuccess("job_intruder").put("id", "fleet-key-7");

    JsonArray results = gateway.api.post("/v1/events/batch", account.apiKey(),
            new JsonObject().put("events", new JsonArray()
                .add(other).add(original).add(other).add(original)))
        .json().getJsonArray("results");

    for (int i : new int[] {0, 2}) {
      assertEquals("idempotency_conflict", results.getJsonObject(i).getJsonObject("error")
          .getString("code"), results.encode());
    }
    for (int i : new int[] {1, 3}) {
      assertEquals(storedId, results.getJsonObject(i).getString("id"), results.encode());
    }
    Object events = TestDatabase.queryValue("SELECT count(*) FROM events WHERE account_id = '"
        + account.id() + "'");
    assertEquals(1L, ((Number) events).longValue(), "no second event was stored");
  }
}
