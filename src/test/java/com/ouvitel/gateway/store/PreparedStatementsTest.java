package com.ouvitel.gateway.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestGateway;
import com.ouvitel.gateway.support.TestReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's statements are prepared once per connection and kept (PostgreSQL then
 * plans them once, for any partition). Partitions come and go under them every day: the
 * retention job creates the days ahead and drops the old ones.
 */
@DisplayName("Statements kept prepared on each PostgreSQL connection")
class PreparedStatementsTest {

  /** Past the five executions after which PostgreSQL may keep one plan for a statement. */
  private static final int EVENTS_EACH_TIME = 30;

  private static final TestReceiver receiver = TestReceiver.http();
  private static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = TestGateway.start(Map.of("db_prepared_statement_cache", "true"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    receiver.close();
  }

  @Test
  @DisplayName("keep ingesting, delivering and logging after partitions are created and "
      + "dropped beneath them")
  void survive_partitions_created_and_dropped() {
    Account account = gateway.api.createAccount("premium");
    gateway.api.createWebhook(account, receiver.url("/prepared"), "print.success");
    sendEvents(account, "before");
    receiver.await("/prepared", EVENTS_EACH_TIME, Duration.ofSeconds(20));

    TestDatabase.executeIn(TestDatabase.url(), "SELECT ensure_partitions('2031-03-01', 2)");
    for (String table : new String[] {"attempts", "deliveries", "events"}) {
      TestDatabase.executeIn(TestDatabase.url(),
          "DROP TABLE " + table + "_p20310301, " + table + "_p20310302");
    }
    sendEvents(account, "after");

    receiver.await("/prepared", 2 * EVENTS_EACH_TIME, Duration.ofSeconds(20));
    String logged = """
        SELECT count(*) FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
        WHERE d.account_id = '%s' AND d.status = 'succeeded'
        """.formatted(account.id());
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (count(logged) < 2 * EVENTS_EACH_TIME && System.nanoTime() < deadline) {
      Api.sleep(50);
    }
    assertEquals(2L * EVENTS_EACH_TIME, count(logged),
        "every delivery succeeded once, with its attempt logged");
  }

  private static long count(String sql) {
    return ((Number) TestDatabase.queryValue(sql)).longValue();
  }

  private static void sendEvents(Account account, String round) {
    for (int i = 0; i < EVENTS_EACH_TIME; i++) {
      gateway.api.sendEvent(account, Api.printSuccess("job_" + round + "_" + i));
    }
  }
}
