package com.ouvitel.gateway.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.ouvitel.gateway.support.TestGateway;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The demo's Node receiver (which verifies signatures the way the customer description
 * shows) and its fleet simulator, run against a real gateway: what {@code make demo} does,
 * with fewer events.
 */
@DisplayName("The demo")
class DemoTest {

  private TestGateway gateway;
  private Process receiver;

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.destroy();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  @DisplayName("delivers every fleet event to a Node receiver that verifies it as the spec "
      + "shows, retries included")
  void fleet_events_reach_the_node_receiver_verified() throws Exception {
    requireNode();
    gateway = TestGateway.start(Map.of());
    Path portFile = Files.createTempFile("demo-receiver", ".port");
    Files.delete(portFile);
    receiver = new ProcessBuilder("node", "demo/receiver.js", portFile.toString())
        .redirectErrorStream(true)
        .redirectOutput(File.createTempFile("demo-receiver", ".log"))
        .start();
    String receiverPort = awaitPort(portFile);

    Process fleet = new ProcessBuilder("node", "demo/fleet.js",
        "http://127.0.0.1:" + gateway.gateway().httpPort(), TestGateway.ADMIN_TOKEN,
        "http://127.0.0.1:" + receiverPort, "80")
        .redirectErrorStream(true)
        .start();
    boolean ended = fleet.waitFor(150, TimeUnit.SECONDS);
    String output = new String(fleet.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!ended) {
      fleet.destroyForcibly();
      fail("the fleet did not finish in time:\n" + output);
    }

    assertEquals(0, fleet.exitValue(), output);
    assertTrue(output.contains("Every delivery arrived, verified, retries included."), output);
    int fannedOut = figure(output, "deliveries the gateway fanned out");
    assertTrue(fannedOut > 80, "every event went to at least one webhook: " + fannedOut);
    assertEquals(fannedOut, figure(output, "deliveries received with status 200"), output);
    assertEquals(0, figure(output, "requests with a bad signature"), output);
    assertTrue(figure(output, "deliveries that needed a retry") > 0,
        "some first attempts fail on purpose: " + output);
  }

  private static int figure(String output, String label) {
    Matcher matcher = Pattern.compile(Pattern.quote(label) + "\\s+(\\d+)").matcher(output);
    assertTrue(matcher.find(), "no line '" + label + "' in:\n" + output);
    return Integer.parseInt(matcher.group(1));
  }

  private String awaitPort(Path portFile) throws IOException, InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (Files.exists(portFile) && Files.size(portFile) > 0) {
        return Files.readString(portFile).trim();
      }
      if (!receiver.isAlive()) {
        fail("the Node receiver exited with " + receiver.exitValue());
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the Node receiver did not write its port");
  }

  private static void requireNode() throws InterruptedException {
    boolean found;
    try {
      found = new ProcessBuilder("node", "--version").start().waitFor() == 0;
    } catch (IOException missing) {
      found = false;
    }
    if (!found && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("node is missing (CI=true: a missing tool fails the build)");
    }
    assumeTrue(found, "node is not installed");
  }
}
