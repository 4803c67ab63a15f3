package com.ouvitel.gateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.HostileEndpoint;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.Timing;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The shipped 5 s deadline, against endpoints that stall or answer after 6 s. */
@DisplayName("The default attempt deadline")
class DefaultDeadlineTest {

  @Test
  @DisplayName("ends attempts to a stalled and a 6 s endpoint as timeout within 5.3 s")
  void stalled_endpoints_time_out_within_five_seconds() {
    List<String> paths = List.of("/headers-stall", "/slow/6000", "/silent");
    try (HostileEndpoint hostile = HostileEndpoint.http();
        TestGateway gateway = TestGateway.start(Map.of("retry_initial_delay", "1h"))) {
      Api api = gateway.api;
      Account account = api.createAccount("premium");
      for (String path : paths) {
        api.createWebhook(account, hostile.url(path), "print.success");
      }
      JsonObject accepted = api.sendEvent(account, Api.printSuccess("job_default"));
      List<String> ids = new ArrayList<>();
      api.deliveriesOf(account, accepted.getString("id"))
          .forEach(d -> ids.add(((JsonObject) d).getString("id")));
      assertEquals(paths.size(), ids.size());

      for (String id : ids) {
        JsonObject delivery = api.awaitDelivery(account, id,
            d -> d.getInteger("attemptCount") == 1, Duration.ofSeconds(30));
        JsonObject attempt = delivery.getJsonArray("attempts").getJsonObject(0);
        assertEquals("timeout", attempt.getString("result"), attempt.toString());
        long duration = attempt.getLong("durationMs");
        assertTrue(duration >= 4950 && duration <= 5300 + Timing.margin(300),
            "ended at the 5 s deadline: " + duration);
        assertEquals("pending", delivery.getString("status"));
        assertNotNull(delivery.getString("nextAttemptAt"), "the next attempt is scheduled");
      }
      for (String path : paths) {
        HostileEndpoint.Request request = hostile.requests(path).get(0);
        assertTrue(HostileEndpoint.awaitClosed(request.connection(), Duration.ofSeconds(5)));
        long open = (request.connection().closedNanos - request.atNanos()) / 1_000_000;
        assertTrue(open <= 5300 + Timing.margin(300), path + " closed after " + open + " ms");
      }
    }
  }
}
