package com.ouvitel.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The settings")
class GatewayConfigTest {

  private static final Path FILE = Path.of("conf", "gateway.yaml");

  @Test
  @DisplayName("refuse the API and the management server on one port, naming both variables")
  void one_port_for_both_servers_is_refused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> GatewayConfig.load(FILE, Map.of("GATEWAY_HTTP_PORT", "9000",
            "GATEWAY_MANAGEMENT_PORT", "9000")));
    assertTrue(refused.getMessage().contains("GATEWAY_HTTP_PORT")
        && refused.getMessage().contains("GATEWAY_MANAGEMENT_PORT")
        && refused.getMessage().contains("9000"), refused.getMessage());
  }

  @Test
  @DisplayName("take port 0 for both (any free port, each its own) and distinct ports")
  void distinct_or_ephemeral_ports_are_taken() {
    GatewayConfig config = GatewayConfig.load(FILE, Map.of("GATEWAY_HTTP_PORT", "9000",
        "GATEWAY_MANAGEMENT_PORT", "9001"));
    assertEquals(9000, config.integer("http_port"));
    assertEquals(9001, config.integer("management_port"));
    GatewayConfig ephemeral = config.with(Map.of("http_port", "0", "management_port", "0"));
    assertEquals(0, ephemeral.integer("management_port"));
  }
}
