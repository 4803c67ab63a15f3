package com.ouvitel.gateway.durability;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.Api.Account;
import com.ouvitel.gateway.support.FleetLoad;
import com.ouvitel.gateway.support.GatewayProcess;
import com.ouvitel.gateway.support.TestDatabase;
import com.ouvitel.gateway.support.TestReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture of the multi-process tests: a receiver, a fresh database on the run's
 * PostgreSQL, and the pods a test starts on it; all gone after each test.
 */
abstract class PodsOnFreshDatabase {

  protected TestReceiver receiver;
  protected String databaseUrl;
  private Pods pods;

  @BeforeEach
  void createDatabaseAndReceiver() {
    receiver = TestReceiver.http();
    databaseUrl = TestDatabase.freshDatabase();
  }

  @AfterEach
  void removePodsDatabaseAndReceiver() {
    if (pods != null) {
      pods.close();
    }
    receiver.close();
    TestDatabase.drop(databaseUrl);
  }

  /** A Premium account whose one webhook sends print.success to that receiver path. */
  protected Account subscribedAccount(GatewayProcess pod, String path) {
    Account account = pod.api.createAccount("premium");
    pod.api.createWebhook(account, receiver.url(path), "print.success");
    return account;
  }

  /** Polls until some pod (or that pod, when named) acknowledged that many events. */
  protected static void awaitAcknowledged(FleetLoad fleet, String pod, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && (pod == null ? fleet.acknowledged().size()
        : fleet.acknowledgedBy(pod)) < count) {
      Api.sleep(20);
    }
  }

  /** The pods of this test, all with those settings. */
  protected Pods pods(Map<String, String> settings) {
    pods = new Pods(databaseUrl, settings);
    return pods;
  }
}
