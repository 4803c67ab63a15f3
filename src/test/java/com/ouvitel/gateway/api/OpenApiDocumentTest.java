package com.ouvitel.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ouvitel.gateway.support.Api;
import com.ouvitel.gateway.support.TestGateway;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

@DisplayName("The OpenAPI document")
class OpenApiDocumentTest {

  /** Every path of the HTTP contract in PRODUCT.md, in OpenAPI's spelling. */
  private static final List<String> CONTRACT_PATHS = List.of(
      "/v1/accounts", "/v1/accounts/{id}", "/v1/accounts/{id}/api-keys",
      "/v1/webhooks", "/v1/webhooks/{id}", "/v1/webhooks/{id}/secret",
      "/v1/webhooks/{id}/rotate-secret", "/v1/webhooks/{id}/test",
      "/v1/webhooks/{id}/stats", "/v1/webhooks/{id}/replay",
      "/v1/events", "/v1/events/batch", "/v1/events/{id}",
      "/v1/printers/{printerToken}/heartbeat", "/v1/heartbeats", "/v1/printers",
      "/v1/deliveries", "/v1/deliveries/{id}", "/v1/deliveries/{id}/retry",
      "/openapi.yaml", "/");

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
  @DisplayName("is served to anyone as YAML and describes every path of the contract")
  @SuppressWarnings("unchecked")
  void describes_every_contract_path() {
    Api.Answer answer = gateway.api.get("/openapi.yaml", null);

    assertEquals(200, answer.status());
    assertTrue(answer.raw().headers().firstValue("Content-Type").orElse("")
        .startsWith("application/yaml"));
    Map<String, Object> document = new Yaml().load(answer.text());
    assertEquals("3.0.3", document.get("openapi"));
    Map<String, Object> paths = (Map<String, Object>) document.get("paths");
    for (String path : CONTRACT_PATHS) {
      assertTrue(paths.containsKey(path), "the document lacks " + path);
    }
  }
}
